//! Cities of India, great-circle distances and the map projection.
//!
//! Pure geometry: no randomness, no time. Every transcendental function goes through
//! `libm` so the numbers are bit-identical natively and in wasm32.

use serde::Serialize;

/// Mean Earth radius used for great-circle distances.
pub const EARTH_RADIUS_KM: f64 = 6371.0;

/// A city where nodes and clients live.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct City {
    /// Stable lower-case id, also the node id of the first node in the city.
    pub id: &'static str,
    /// English name.
    pub name: &'static str,
    /// Hindi name (Devanagari).
    pub name_hi: &'static str,
    /// Latitude in degrees north.
    pub lat_deg: f64,
    /// Longitude in degrees east.
    pub lon_deg: f64,
    /// Relative share of clients (assumption: rough metro-area population, millions).
    pub client_weight: u32,
    /// Local peak hours `[start, end)` in 24 h time.
    pub peak_hours: &'static [(u8, u8)],
}

/// A city: its place in [`CITIES`], typed so that it is never mistaken for a node's index
/// (nodes and cities were both `usize`). Scenarios name cities by the constants below; input
/// from users and files goes through [`city_index`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(transparent)]
pub struct CityId(u8);

impl CityId {
    /// Its place in [`CITIES`] (and in every per-city table).
    pub const fn index(self) -> usize {
        self.0 as usize
    }

    /// The city.
    pub const fn city(self) -> &'static City {
        &CITIES[self.0 as usize]
    }

    /// The city at this place in [`CITIES`], if there is one.
    pub fn from_index(index: usize) -> Option<CityId> {
        u8::try_from(index).ok().filter(|_| index < CITY_COUNT).map(CityId)
    }

    /// Every city, in [`CITIES`] order.
    pub fn all() -> impl Iterator<Item = CityId> {
        (0..CITIES.len() as u8).map(CityId)
    }
}

/// How many cities there are.
pub const CITY_COUNT: usize = 7;

/// A value for every ordered pair of cities, indexed by `(from, to)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CityPairs<T>([[T; CITY_COUNT]; CITY_COUNT]);

impl<T: Copy> CityPairs<T> {
    /// Every pair holding `value`.
    pub const fn filled(value: T) -> Self {
        Self([[value; CITY_COUNT]; CITY_COUNT])
    }
}

impl<T> std::ops::Index<(CityId, CityId)> for CityPairs<T> {
    type Output = T;
    fn index(&self, (from, to): (CityId, CityId)) -> &T {
        &self.0[from.index()][to.index()]
    }
}

impl<T> std::ops::IndexMut<(CityId, CityId)> for CityPairs<T> {
    fn index_mut(&mut self, (from, to): (CityId, CityId)) -> &mut T {
        &mut self.0[from.index()][to.index()]
    }
}

/// The seven cities, coordinates as in docs/design.md. Peak hours for Mumbai and
/// Bangalore are the seed's; the other cities' are an assumption (late morning and
/// early evening) stated in README.md.
pub const CITIES: [City; CITY_COUNT] = [
    City {
        id: "mumbai",
        name: "Mumbai",
        name_hi: "मुंबई",
        lat_deg: 19.0760,
        lon_deg: 72.8777,
        client_weight: 21,
        peak_hours: &[(9, 11), (14, 16), (19, 21)],
    },
    City {
        id: "delhi",
        name: "Delhi",
        name_hi: "दिल्ली",
        lat_deg: 28.6139,
        lon_deg: 77.2090,
        client_weight: 32,
        peak_hours: &[(10, 12), (18, 20)],
    },
    City {
        id: "bangalore",
        name: "Bangalore",
        name_hi: "बेंगलुरु",
        lat_deg: 12.9716,
        lon_deg: 77.5946,
        client_weight: 13,
        peak_hours: &[(10, 12), (15, 17), (20, 22)],
    },
    City {
        id: "chennai",
        name: "Chennai",
        name_hi: "चेन्नई",
        lat_deg: 13.0827,
        lon_deg: 80.2707,
        client_weight: 11,
        peak_hours: &[(10, 12), (18, 20)],
    },
    City {
        id: "kolkata",
        name: "Kolkata",
        name_hi: "कोलकाता",
        lat_deg: 22.5726,
        lon_deg: 88.3639,
        client_weight: 15,
        peak_hours: &[(10, 12), (18, 20)],
    },
    City {
        id: "hyderabad",
        name: "Hyderabad",
        name_hi: "हैदराबाद",
        lat_deg: 17.3850,
        lon_deg: 78.4867,
        client_weight: 10,
        peak_hours: &[(10, 12), (18, 20)],
    },
    City {
        id: "pune",
        name: "Pune",
        name_hi: "पुणे",
        lat_deg: 18.5204,
        lon_deg: 73.8567,
        client_weight: 7,
        peak_hours: &[(10, 12), (18, 20)],
    },
];

/// Mumbai's index in [`CITIES`].
pub const MUMBAI: CityId = CityId(0);
/// Delhi's index in [`CITIES`].
pub const DELHI: CityId = CityId(1);
/// Bangalore's index in [`CITIES`].
pub const BANGALORE: CityId = CityId(2);
/// Chennai's index in [`CITIES`].
pub const CHENNAI: CityId = CityId(3);
/// Kolkata's index in [`CITIES`].
pub const KOLKATA: CityId = CityId(4);
/// Hyderabad's index in [`CITIES`].
pub const HYDERABAD: CityId = CityId(5);
/// Pune's index in [`CITIES`].
pub const PUNE: CityId = CityId(6);

impl City {
    /// Its name in both of the page's languages.
    pub const fn name_text(&self) -> crate::i18n::Text {
        crate::i18n::Text { en: self.name, hi: self.name_hi }
    }
}

/// Finds a city by its id (input from users and files; scenarios name cities by the
/// constants above).
pub fn city_index(id: &str) -> Option<CityId> {
    CityId::all().find(|city| city.city().id == id)
}

/// Writes a city by its id (serde's `serialize_with` for fields holding a [`CityId`]).
pub fn serialize_city_id<S: serde::Serializer>(city: &CityId, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(city.city().id)
}

/// Haversine great-circle distance between two cities.
pub fn distance_km(a: CityId, b: CityId) -> f64 {
    let (ca, cb) = (a.city(), b.city());
    let (lat1, lat2) = (ca.lat_deg.to_radians(), cb.lat_deg.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (cb.lon_deg - ca.lon_deg).to_radians();
    let h = libm::pow(libm::sin(dlat / 2.0), 2.0)
        + libm::cos(lat1) * libm::cos(lat2) * libm::pow(libm::sin(dlon / 2.0), 2.0);
    2.0 * EARTH_RADIUS_KM * libm::asin(libm::sqrt(h))
}

/// Width of the map's SVG view box (`static/india.svg`).
pub const MAP_WIDTH: f64 = 612.0;
/// Height of the map's SVG view box.
pub const MAP_HEIGHT: f64 = 696.0;

// Mercator projection fitted to the outline in static/india.svg by
// tools/simplify_map.py (least squares over the outline's extremes and six small
// territories; residuals under 2 px).
const PROJECTION_X_PER_DEG: f64 = 20.896568;
const PROJECTION_X_OFFSET: f64 = -1424.762059;
const PROJECTION_Y_PER_MERCATOR: f64 = -1201.086651;
const PROJECTION_Y_OFFSET: f64 = 837.396521;

fn mercator(lat_deg: f64) -> f64 {
    libm::log(libm::tan(core::f64::consts::FRAC_PI_4 + lat_deg.to_radians() / 2.0))
}

/// Projects a coordinate onto the map's SVG view box: `(x, y)`, y grows southward.
pub fn project(lat_deg: f64, lon_deg: f64) -> (f64, f64) {
    (
        PROJECTION_X_PER_DEG * lon_deg + PROJECTION_X_OFFSET,
        PROJECTION_Y_PER_MERCATOR * mercator(lat_deg) + PROJECTION_Y_OFFSET,
    )
}

/// Inverse of [`project`] for the latitude: the latitude at map height `y`.
pub fn latitude_at(y: f64) -> f64 {
    let m = (y - PROJECTION_Y_OFFSET) / PROJECTION_Y_PER_MERCATOR;
    (2.0 * libm::atan(libm::exp(m)) - core::f64::consts::FRAC_PI_2).to_degrees()
}

/// Where a city sits on the map.
pub fn city_position(city: CityId) -> (f64, f64) {
    let city = city.city();
    project(city.lat_deg, city.lon_deg)
}

/// Whether the segment `a`–`b` crosses the segment `c`–`d` (touching counts): how a drag
/// across the map finds the links it cuts.
pub fn segments_cross(a: (f64, f64), b: (f64, f64), c: (f64, f64), d: (f64, f64)) -> bool {
    let side = |p: (f64, f64), q: (f64, f64), r: (f64, f64)| (q.0 - p.0) * (r.1 - p.1) - (q.1 - p.1) * (r.0 - p.0);
    let (d1, d2) = (side(c, d, a), side(c, d, b));
    let (d3, d4) = (side(a, b, c), side(a, b, d));
    d1 * d2 <= 0.0 && d3 * d4 <= 0.0 && (d1 != 0.0 || d2 != 0.0 || d3 != 0.0 || d4 != 0.0)
}
