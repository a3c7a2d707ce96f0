"""Travel times: the great-circle model and the OSRM table client (against a local fake server)."""

import json
import math
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openservice.dispatch.travel import (
    Location,
    TravelError,
    haversine_km,
    osrm_matrix,
    straight_line_matrix,
)

HELSINKI = Location(60.1699, 24.9384)  # Senate Square
ESPOO = Location(60.2055, 24.6559)  # Espoo centre


def test_helsinki_to_espoo_is_about_16_km():
    # Over 16 km a flat-earth (equirectangular) projection is good to well under 0.1 %.
    radius = 6371.0088
    mean = math.radians((HELSINKI.lat + ESPOO.lat) / 2)
    dx = math.radians(ESPOO.lon - HELSINKI.lon) * math.cos(mean) * radius
    dy = math.radians(ESPOO.lat - HELSINKI.lat) * radius
    flat = math.hypot(dx, dy)
    assert haversine_km(HELSINKI, ESPOO) == pytest.approx(flat, rel=0.01)
    assert haversine_km(HELSINKI, ESPOO) == pytest.approx(16.1, rel=0.01)


def test_straight_line_matrix_applies_detour_and_speed():
    matrix = straight_line_matrix([HELSINKI, ESPOO])
    seconds = haversine_km(HELSINKI, ESPOO) * 1.3 / 30 * 3600
    assert matrix[0][0] == matrix[1][1] == 0
    assert matrix[0][1] == math.ceil(seconds)
    faster = straight_line_matrix([HELSINKI, ESPOO], detour=1.0, speed_kmh=60)
    assert faster[0][1] == math.ceil(haversine_km(HELSINKI, ESPOO) / 60 * 3600)


def test_straight_line_matrix_refuses_a_zero_speed():
    with pytest.raises(ValueError):
        straight_line_matrix([HELSINKI], speed_kmh=0)


places = st.builds(
    Location, st.floats(59.5, 60.8, allow_nan=False), st.floats(23.5, 26.5, allow_nan=False)
)


@settings(max_examples=25, deadline=None)
@given(st.lists(places, min_size=1, max_size=8))
def test_straight_line_matrix_is_symmetric_with_a_zero_diagonal(locations):
    matrix = straight_line_matrix(locations)
    size = len(locations)
    assert all(matrix[i][i] == 0 for i in range(size))
    assert all(matrix[i][j] == matrix[j][i] >= 0 for i in range(size) for j in range(size))


# --- OSRM ----------------------------------------------------------------------------------


class _Fake(BaseHTTPRequestHandler):
    answer: tuple[int, dict | str] = (200, {})
    paths: list[str] = []

    def do_GET(self):
        type(self).paths.append(self.path)
        status, body = type(self).answer
        payload = body if isinstance(body, str) else json.dumps(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def osrm():
    handler = type("Handler", (_Fake,), {"paths": [], "answer": (200, {})})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def test_osrm_asks_the_table_service_with_lon_lat_pairs(osrm):
    url, handler = osrm
    handler.answer = (200, {"code": "Ok", "durations": [[0, 61.2], [58.0, 0]]})
    matrix = osrm_matrix(url + "/", [HELSINKI, ESPOO], timeout=5)
    assert handler.paths == [
        "/table/v1/driving/24.938400,60.169900;24.655900,60.205500?annotations=duration"
    ]
    assert matrix == [[0, 62], [58, 0]]  # rounded up, not symmetric: roads are not


def test_osrm_refusal_raises_a_travel_error(osrm):
    url, handler = osrm
    handler.answer = (200, {"code": "NoSegment", "message": "Could not find a matching segment"})
    with pytest.raises(TravelError, match="NoSegment"):
        osrm_matrix(url, [HELSINKI, ESPOO])


def test_osrm_http_error_raises_a_travel_error(osrm):
    url, handler = osrm
    handler.answer = (400, {"code": "InvalidQuery", "message": "Query string malformed"})
    with pytest.raises(TravelError, match="HTTP 400: InvalidQuery"):
        osrm_matrix(url, [HELSINKI, ESPOO])


def test_osrm_unroutable_pair_or_bad_shape_raises_a_travel_error(osrm):
    url, handler = osrm
    handler.answer = (200, {"code": "Ok", "durations": [[0, None], [58.0, 0]]})
    with pytest.raises(TravelError, match="no route"):
        osrm_matrix(url, [HELSINKI, ESPOO])
    handler.answer = (200, {"code": "Ok", "durations": [[0]]})
    with pytest.raises(TravelError, match="2 × 2"):
        osrm_matrix(url, [HELSINKI, ESPOO])
    handler.answer = (200, "<html>not json</html>")
    with pytest.raises(TravelError, match="not JSON"):
        osrm_matrix(url, [HELSINKI, ESPOO])


def test_osrm_unreachable_server_raises_a_travel_error():
    server = HTTPServer(("127.0.0.1", 0), _Fake)
    port = server.server_address[1]
    server.server_close()  # nothing listens there now
    with pytest.raises(TravelError, match="could not be reached"):
        osrm_matrix(f"http://127.0.0.1:{port}", [HELSINKI, ESPOO], timeout=2)
