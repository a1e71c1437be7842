#!/usr/bin/env python3
"""Build static/india.svg from the npm package @svg-maps/india (CC BY 4.0, MapSVG).

Run once by hand; the result is committed. Usage:
    npm pack @svg-maps/india@2.0.0 && tar xzf svg-maps-india-2.0.0.tgz
    python3 tools/simplify_map.py package/index.js static/india.svg

It parses every state's path, simplifies each ring with Douglas-Peucker, writes one
path per state (the page fills them alike so they read as one outline, with faint
state borders), and fits the linear lon/lat -> SVG projection that core/src/geo.rs
uses, printing its constants and residuals.
"""
import json, math, re, sys

TOLERANCE_PX = 0.5
MIN_RING_AREA_PX2 = 0.6


def parse_rings(d):
    tokens = re.findall(r"[mMlLzZ]|-?\d*\.?\d+(?:e-?\d+)?", d)
    rings, ring, cmd, x, y, i, start = [], [], None, 0.0, 0.0, 0, (0.0, 0.0)
    while i < len(tokens):
        t = tokens[i]
        if t in "mMlLzZ":
            cmd = t
            i += 1
            if t in "zZ":
                if ring:
                    rings.append(ring)
                ring = []
                x, y = start
            continue
        nx, ny = float(tokens[i]), float(tokens[i + 1])
        i += 2
        if cmd in "ml":
            x, y = x + nx, y + ny
        else:
            x, y = nx, ny
        if cmd in "mM":
            if ring:
                rings.append(ring)
            ring = [(x, y)]
            start = (x, y)
            cmd = "l" if cmd == "m" else "L"
        else:
            ring.append((x, y))
    if ring:
        rings.append(ring)
    return rings


def dp(points, tol):
    if len(points) < 3:
        return points
    (x1, y1), (x2, y2) = points[0], points[-1]
    dx, dy = x2 - x1, y2 - y1
    norm = math.hypot(dx, dy) or 1e-9
    best, idx = -1.0, 0
    for k in range(1, len(points) - 1):
        px, py = points[k]
        dist = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / norm
        if dist > best:
            best, idx = dist, k
    if best <= tol:
        return [points[0], points[-1]]
    return dp(points[: idx + 1], tol)[:-1] + dp(points[idx:], tol)


def area(ring):
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:] + ring[:1]))) / 2


def simplify_ring(ring):
    # Split the closed ring in two halves so DP keeps its shape.
    half = len(ring) // 2
    out = dp(ring[: half + 1], TOLERANCE_PX)[:-1] + dp(ring[half:] + ring[:1], TOLERANCE_PX)[:-1]
    return out


def fmt(v):
    return ("%.1f" % v).rstrip("0").rstrip(".")


def ring_path(ring):
    pts = [(round(x, 1), round(y, 1)) for x, y in ring]
    out = "M" + fmt(pts[0][0]) + " " + fmt(pts[0][1])
    px, py = pts[0]
    for x, y in pts[1:]:
        out += "l" + fmt(x - px) + " " + fmt(y - py)
        px, py = x, y
    return out + "z"


def centroid(rings):
    big = max(rings, key=area)
    xs = [p[0] for p in big]
    ys = [p[1] for p in big]
    return sum(xs) / len(xs), sum(ys) / len(ys)


def mercator(lat_deg):
    return math.log(math.tan(math.pi / 4 + math.radians(lat_deg) / 2))


def fit(pairs):
    # x = a*lon + b ; y = c*lat + d  (least squares, independent axes)
    def ls(u, v):
        n = len(u)
        mu, mv = sum(u) / n, sum(v) / n
        a = sum((p - mu) * (q - mv) for p, q in zip(u, v)) / sum((p - mu) ** 2 for p in u)
        return a, mv - a * mu
    ax, bx = ls([p[1] for p in pairs], [p[2] for p in pairs])
    ay, by = ls([p[0] for p in pairs], [p[3] for p in pairs])
    return ax, bx, ay, by


def main():
    src, dst = sys.argv[1], sys.argv[2]
    text = open(src).read()
    data = json.loads(text[text.index("{"):].rstrip().rstrip(";"))
    states, all_points, reference = [], [], {}
    for loc in data["locations"]:
        rings = [simplify_ring(r) for r in parse_rings(loc["path"])]
        rings = [r for r in rings if len(r) >= 3 and area(r) >= MIN_RING_AREA_PX2]
        states.append((loc["id"], loc["name"], rings))
        reference[loc["id"]] = rings
        if loc["id"] not in ("an", "ld"):
            all_points += [p for r in rings for p in r]
    xs = [p[0] for p in all_points]
    ys = [p[1] for p in all_points]
    # Anchors: (lat, lon, x, y). Mainland extremes of the official outline, plus
    # centroids of small territories whose coordinates are well known.
    anchors = [
        (37.08, (min(xs) + max(xs)) / 2 * 0 + 74.7, None, min(ys)),  # north tip, y only
        (8.08, 77.54, None, max(ys)),  # Kanyakumari, y only
        (23.7, 68.1, min(xs), None),  # west tip of Kutch, x only
        (28.0, 97.4, max(xs), None),  # east tip of Arunachal, x only
    ]
    for sid, lat, lon in (("dl", 28.65, 77.15), ("ch", 30.73, 76.78), ("py", 11.93, 79.83),
                          ("ga", 15.35, 74.05), ("sk", 27.53, 88.51), ("tr", 23.75, 91.75)):
        cx, cy = centroid(reference[sid])
        anchors.append((lat, lon, cx, cy))
    xpairs = [(a[0], a[1], a[2], 0) for a in anchors if a[2] is not None]
    ypairs = [(mercator(a[0]), a[1], 0, a[3]) for a in anchors if a[3] is not None]
    ax, bx, _, _ = fit(xpairs + [(0, 0, 0, 0)][:0])
    _, _, ay, by = fit(ypairs)
    print("projection: x = %.6f * lon_deg + %.6f ; y = %.6f * mercator(lat) + %.6f" % (ax, bx, ay, by))
    print("  (mercator(lat) = ln(tan(pi/4 + lat_rad/2)))")
    for a in anchors:
        if a[2] is not None:
            print("  x residual %-6s %.2f px" % (a[1], ax * a[1] + bx - a[2]))
        if a[3] is not None:
            print("  y residual %-6s %.2f px" % (a[0], ay * mercator(a[0]) + by - a[3]))
    print("mainland bbox x %.1f..%.1f y %.1f..%.1f" % (min(xs), max(xs), min(ys), max(ys)))
    with open(dst, "w") as out:
        out.write('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 612 696" role="img" '
                  'aria-label="Map of India">\n')
        out.write("<!-- India: states and union territories, from @svg-maps/india 2.0.0 by MapSVG "
                  "(https://mapsvg.com/maps/india), licensed CC BY 4.0 "
                  "(https://creativecommons.org/licenses/by/4.0/). Changed: rings simplified "
                  "(Douglas-Peucker, %.2f px), coordinates rounded to 0.1 px, styled as one outline. -->\n"
                  % TOLERANCE_PX)
        body = "".join('<path id="%s" d="%s"><title>%s</title></path>\n'
                       % (sid, "".join(ring_path(r) for r in rings), name) for sid, name, rings in states)
        # The states are drawn twice through <use>: first with a thick stroke, then
        # filled over it, so only the outer edge of the thick stroke survives and
        # reads as the national outline, with faint state borders inside.
        out.write('<defs><g id="states">\n' + body + '</g></defs>\n'
                  '<use href="#states" fill="none" stroke="#5b7083" stroke-width="2.4" stroke-linejoin="round"/>\n'
                  '<use href="#states" fill="#e8eef3" stroke="#c4d0da" stroke-width="0.5" stroke-linejoin="round"/>\n'
                  '</svg>\n')


if __name__ == "__main__":
    main()
