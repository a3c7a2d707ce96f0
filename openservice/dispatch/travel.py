"""Travel times between places, as a square matrix of whole seconds. Pure: no Django.

Two models. The default needs nothing outside the process: the great-circle (haversine) distance
times a detour factor (roads are not straight; 1.3 is the usual figure for towns and suburbs)
at an average speed. The other asks an OSRM server for road times (its `table` service), when a
deployment has one; the URL comes from the caller (settings), never from this module.

A matrix is a list of rows: `matrix[i][j]` is the time from `locations[i]` to `locations[j]`,
in whole seconds, rounded up, with zeros on the diagonal. The optimiser and its validator take
the same callable (`locations -> matrix`), so a plan is always checked with the times it was
made with.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

import numpy

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)
DETOUR = 1.3
SPEED_KMH = 30.0

Matrix = list[list[int]]


@dataclass(frozen=True)
class Location:
    """A place in decimal degrees (WGS 84)."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (-90.0 <= self.lat <= 90.0 and -180.0 <= self.lon <= 180.0):
            raise ValueError(f"not a coordinate: {self.lat}, {self.lon}")


def haversine_km(a: Location, b: Location) -> float:
    """The great-circle distance in kilometres."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def straight_line_matrix(
    locations: Sequence[Location], *, detour: float = DETOUR, speed_kmh: float = SPEED_KMH
) -> Matrix:
    """Seconds between every pair: great-circle distance × detour at `speed_kmh`, rounded up.
    Symmetric by construction (the same haversine as `haversine_km`, over arrays)."""
    if detour <= 0 or speed_kmh <= 0:
        raise ValueError("the detour factor and the speed must be positive")
    if not locations:
        return []
    lat = numpy.radians([place.lat for place in locations])
    lon = numpy.radians([place.lon for place in locations])
    dlat = lat[None, :] - lat[:, None]
    dlon = lon[None, :] - lon[:, None]
    h = (
        numpy.sin(dlat / 2) ** 2
        + numpy.outer(numpy.cos(lat), numpy.cos(lat)) * numpy.sin(dlon / 2) ** 2
    )
    km = 2 * EARTH_RADIUS_KM * numpy.arcsin(numpy.minimum(1.0, numpy.sqrt(h)))
    km = numpy.maximum(km, km.T)  # exactly symmetric whatever the rounding
    seconds = numpy.ceil(km * (detour * 3600.0 / speed_kmh) - 1e-9).astype(numpy.int64)
    numpy.fill_diagonal(seconds, 0)
    return seconds.tolist()


class TravelError(Exception):
    """The road-time service could not give a matrix (unreachable, refused, or an answer that
    is not a complete table). The message says which."""


def osrm_matrix(base_url: str, locations: Sequence[Location], timeout: float = 10.0) -> Matrix:
    """Road times from an OSRM server's table service, in whole seconds (rounded up).

    Asks `GET {base_url}/table/v1/driving/{lon,lat;...}?annotations=duration` once for the
    whole square. A pair the server cannot route (`null`) is an error: a plan must not rest on
    a missing time.
    """
    if not locations:
        return []
    coordinates = ";".join(f"{place.lon:.6f},{place.lat:.6f}" for place in locations)
    url = (
        f"{base_url.rstrip('/')}/table/v1/driving/{urllib.parse.quote(coordinates, safe=',;.-')}"
        "?annotations=duration"
    )
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        detail = _osrm_message(error.read())
        raise TravelError(f"OSRM answered HTTP {error.code}{detail}") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise TravelError(f"OSRM could not be reached at {base_url}: {error}") from error
    try:
        answer = json.loads(body)
    except ValueError as error:
        raise TravelError("OSRM answered something that is not JSON") from error
    if not isinstance(answer, dict) or answer.get("code") != "Ok":
        code = answer.get("code") if isinstance(answer, dict) else None
        message = answer.get("message", "") if isinstance(answer, dict) else ""
        raise TravelError(f"OSRM refused the table: {code} {message}".rstrip())
    durations = answer.get("durations")
    size = len(locations)
    if (
        not isinstance(durations, list)
        or len(durations) != size
        or any(not isinstance(row, list) or len(row) != size for row in durations)
    ):
        raise TravelError(f"OSRM answered a table that is not {size} × {size}")
    matrix = [[0] * size for _ in range(size)]
    for i, row in enumerate(durations):
        for j, seconds in enumerate(row):
            if i == j:
                continue
            if not isinstance(seconds, int | float) or seconds < 0:
                raise TravelError(f"OSRM has no route from place {i} to place {j}")
            matrix[i][j] = math.ceil(seconds)
    return matrix


def _osrm_message(body: bytes) -> str:
    try:
        answer = json.loads(body)
    except ValueError:
        return ""
    if isinstance(answer, dict) and answer.get("code"):
        return f": {answer['code']} {answer.get('message', '')}".rstrip()
    return ""
