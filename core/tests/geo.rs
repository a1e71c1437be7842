//! The map projection against the committed outline (static/india.svg).

use replica_core::geo::{city_index, city_position, latitude_at, project, CITIES, MAP_HEIGHT, MAP_WIDTH};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const OUTLINE: &str = include_str!("../../static/india.svg");

/// Absolute points of one state's path (`M x y` then relative `l dx dy`), from the outline.
fn state_points(id: &str) -> Vec<(f64, f64)> {
    let marker = format!("id=\"{id}\" d=\"");
    let start = OUTLINE.find(&marker).unwrap_or_else(|| panic!("no state {id}")) + marker.len();
    let path = &OUTLINE[start..start + OUTLINE[start..].find('"').unwrap_or(0)];
    let mut points = Vec::new();
    let (mut x, mut y) = (0.0, 0.0);
    let mut rest = path;
    while let Some(command) = rest.chars().next() {
        let end = rest[1..].find(['M', 'l', 'z']).map_or(rest.len(), |i| i + 1);
        let numbers: Vec<f64> = rest[1..end].split_whitespace().filter_map(|n| n.parse().ok()).collect();
        match (command, numbers.as_slice()) {
            ('M', [nx, ny]) => (x, y) = (*nx, *ny),
            ('l', [dx, dy]) => (x, y) = (x + dx, y + dy),
            _ => {}
        }
        if command != 'z' {
            points.push((x, y));
        }
        rest = &rest[end..];
    }
    points
}

fn all_points() -> Vec<(f64, f64)> {
    ["jk", "gj", "ar", "tn", "mh", "dl", "wb", "ka"].iter().flat_map(|id| state_points(id)).collect()
}

fn position(id: &str) -> (f64, f64) {
    city_position(city_index(id).unwrap_or_else(|| panic!("no city {id}")))
}

#[test]
fn cities_sit_where_india_has_them() {
    let (mumbai, chennai, delhi, kolkata) =
        (position("mumbai"), position("chennai"), position("delhi"), position("kolkata"));
    assert!(mumbai.0 < chennai.0, "Mumbai is west of Chennai");
    assert!(delhi.1 < mumbai.1 && delhi.1 < chennai.1, "Delhi is north of both");
    assert!(kolkata.0 > delhi.0, "Kolkata is east of Delhi");
    for city in CITIES {
        let (x, y) = project(city.lat_deg, city.lon_deg);
        assert!((0.0..MAP_WIDTH).contains(&x) && (0.0..MAP_HEIGHT).contains(&y), "{} off the map", city.id);
    }
}

#[test]
fn coastal_cities_are_on_their_coasts() {
    // Mumbai lies near the western edge of Maharashtra; Chennai near the eastern edge of Tamil Nadu.
    let maharashtra = state_points("mh");
    let west_edge = maharashtra.iter().map(|p| p.0).fold(f64::MAX, f64::min);
    assert!(
        position("mumbai").0 - west_edge < 15.0,
        "Mumbai {:?}, Maharashtra's west edge {west_edge}",
        position("mumbai")
    );
    let tamil_nadu = state_points("tn");
    let east_edge = tamil_nadu.iter().map(|p| p.0).fold(f64::MIN, f64::max);
    assert!(
        east_edge - position("chennai").0 < 15.0,
        "Chennai {:?}, Tamil Nadu's east edge {east_edge}",
        position("chennai")
    );
}

#[test]
fn delhi_projects_inside_the_delhi_territory() {
    let delhi = state_points("dl");
    let (min_x, max_x) = delhi.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
    let (min_y, max_y) = delhi.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let (x, y) = position("delhi");
    assert!(
        (min_x - 2.0..=max_x + 2.0).contains(&x) && (min_y - 2.0..=max_y + 2.0).contains(&y),
        "Delhi at ({x}, {y})"
    );
}

#[test]
fn the_outline_reaches_thirty_seven_degrees_north() {
    let top = all_points().iter().map(|p| p.1).fold(f64::MAX, f64::min);
    let latitude = latitude_at(top);
    assert!((36.5..=37.5).contains(&latitude), "top of the outline at {latitude:.2}° N");
}

#[test]
fn the_outline_is_attributed() {
    assert!(OUTLINE.contains("CC BY 4.0") && OUTLINE.contains("MapSVG"));
}

/// A drag from west to east across the map at the latitude of Agra (27.2° N) crosses exactly
/// the links that have Delhi at one end: it partitions Delhi from the rest.
#[test]
fn a_drag_across_the_north_cuts_exactly_delhis_links() {
    use replica_core::geo::{city_index, city_position, project, segments_cross, CityId};
    let (west, east) = (project(27.2, 60.0), project(27.2, 100.0));
    let delhi = city_index("delhi").expect("delhi is a city");
    for a in CityId::all() {
        for b in CityId::all().filter(|b| *b > a) {
            let crossed = segments_cross(west, east, city_position(a), city_position(b));
            assert_eq!(crossed, a == delhi || b == delhi, "{} – {}", a.city().id, b.city().id);
        }
    }
    assert!(!segments_cross((0.0, 0.0), (1.0, 0.0), (2.0, -1.0), (2.0, 1.0)), "a short drag crosses nothing");
}

#[test]
fn each_city_constant_names_its_city() {
    use replica_core::geo::{BANGALORE, CHENNAI, DELHI, HYDERABAD, KOLKATA, MUMBAI, PUNE};
    let named = [
        (MUMBAI, "mumbai"),
        (DELHI, "delhi"),
        (BANGALORE, "bangalore"),
        (CHENNAI, "chennai"),
        (KOLKATA, "kolkata"),
        (HYDERABAD, "hyderabad"),
        (PUNE, "pune"),
    ];
    assert_eq!(named.len(), CITIES.len(), "a constant for every city");
    for (index, id) in named {
        assert_eq!(index.city().id, id);
        assert_eq!(city_index(id), Some(index));
    }
}
