//! Drawing on canvases: free functions that take a canvas and plain data. No state, no
//! simulation: callers pass what to draw.

use crate::palette;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use replica_core::geo::{city_position, MAP_HEIGHT, MAP_WIDTH};
use replica_core::snapshot::Glyph;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// Matches the canvas's backing store to its displayed size (and device pixel ratio);
/// returns the 2-D context and the CSS size.
fn prepare(canvas: &HtmlCanvasElement) -> Option<(CanvasRenderingContext2d, f64, f64)> {
    let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()).clamp(1.0, 3.0);
    let (width, height) = (f64::from(canvas.client_width()), f64::from(canvas.client_height()));
    if width <= 0.0 || height <= 0.0 {
        return None;
    }
    let (pixel_width, pixel_height) = ((width * ratio) as u32, (height * ratio) as u32);
    if canvas.width() != pixel_width || canvas.height() != pixel_height {
        canvas.set_width(pixel_width);
        canvas.set_height(pixel_height);
    }
    let context = canvas.get_context("2d").ok()??.dyn_into::<CanvasRenderingContext2d>().ok()?;
    let _ = context.set_transform(ratio, 0.0, 0.0, ratio, 0.0, 0.0);
    Some((context, width, height))
}

/// Where a glyph is drawn at `now_us` on a canvas of `width` × `height` CSS pixels: the
/// fraction of its flight done along the straight line between its cities.
pub fn glyph_point(glyph: &Glyph, now_us: u64, width: f64, height: f64) -> (f64, f64) {
    let scale = (width / MAP_WIDTH).min(height / MAP_HEIGHT);
    let (offset_x, offset_y) = ((width - MAP_WIDTH * scale) / 2.0, (height - MAP_HEIGHT * scale) / 2.0);
    let (ax, ay) = city_position(glyph.from_city);
    let (bx, by) = city_position(glyph.to_city);
    let progress = glyph.progress(now_us);
    let (x, y) = (ax + (bx - ax) * progress, ay + (by - ay) * progress);
    (offset_x + x * scale, offset_y + y * scale)
}

/// The glyph nearest to `(x, y)` within `radius` CSS pixels, if any.
pub fn glyph_at(glyphs: &[Glyph], now_us: u64, size: (f64, f64), point: (f64, f64), radius: f64) -> Option<usize> {
    glyphs
        .iter()
        .enumerate()
        .map(|(index, glyph)| {
            let (gx, gy) = glyph_point(glyph, now_us, size.0, size.1);
            (index, (gx - point.0).hypot(gy - point.1))
        })
        .filter(|(_, distance)| *distance <= radius)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(index, _)| index)
}

/// Draws messages in flight as dots along the straight line between their cities, at the
/// fraction of their flight done by `now_us`. Local messages (same city) pulse at the city.
/// The message whose send is `highlight` (selected in the space-time diagram) is ringed.
pub fn messages(canvas: &HtmlCanvasElement, glyphs: &[Glyph], now_us: u64, highlight: Option<u64>) {
    let Some((context, width, height)) = prepare(canvas) else { return };
    context.clear_rect(0.0, 0.0, width, height);
    for glyph in glyphs {
        let progress = glyph.progress(now_us);
        let (x, y) = glyph_point(glyph, now_us, width, height);
        let radius = if glyph.from_city == glyph.to_city { 2.0 + 4.0 * progress } else { 3.2 };
        context.begin_path();
        let _ = context.arc(x, y, radius, 0.0, std::f64::consts::TAU);
        context.set_fill_style_str(palette::message_colour(glyph.kind));
        context.set_global_alpha(if glyph.from_city == glyph.to_city { 0.45 } else { 0.9 });
        context.fill();
        if highlight.is_some_and(|send| send == glyph.send_event) {
            context.set_global_alpha(1.0);
            context.begin_path();
            let _ = context.arc(x, y, 9.0, 0.0, std::f64::consts::TAU);
            context.set_stroke_style_str("#e69f00");
            context.set_line_width(3.0);
            context.stroke();
        }
    }
    context.set_global_alpha(1.0);
}

/// One line of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Legend label.
    pub name: String,
    /// Colour (`#rrggbb`).
    pub colour: &'static str,
    /// Points (simulated seconds, value).
    pub points: Vec<(f64, f64)>,
}

/// What a chart's axes show: whether its values are counts (integer ticks) and when faults
/// and controls happened (simulated seconds, a dashed vertical mark each).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChartMarks {
    /// The values are counts: ticks are whole numbers.
    pub counts: bool,
    /// Moments of faults and controls, in simulated seconds.
    pub marks_s: Vec<f64>,
}

/// A tick label: whole numbers for counts and for values of 10 or more, one decimal below.
pub fn tick_text(value: f64, counts: bool) -> String {
    if counts || value.abs() >= 10.0 || value == value.round() {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// Draws lines over simulated time with plotters. The axis captions and the legend are the
/// page's (HTML, outside the plot), so nothing is drawn over the data or the tick labels.
pub fn line_chart(canvas: &HtmlCanvasElement, lines: &[Line], marks: &ChartMarks) {
    if prepare(canvas).is_none() {
        return;
    }
    // plotters draws in backing-store pixels; undo the ratio transform prepare() set.
    if let Some(context) =
        canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
    {
        let _ = context.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
    }
    let Some(backend) = CanvasBackend::with_canvas_object(canvas.clone()) else { return };
    let root = backend.into_drawing_area();
    let _ = root.fill(&WHITE);
    let times = lines.iter().flat_map(|line| line.points.iter().map(|p| p.0));
    let (t_min, t_max) = times.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), t| (lo.min(t), hi.max(t)));
    let (t_min, t_max) = if t_max > t_min { (t_min, t_max) } else { (0.0, 1.0) };
    let data_max = lines.iter().flat_map(|line| line.points.iter().map(|p| p.1)).fold(1.0f64, f64::max);
    // Counts get a whole-number top and no more ticks than whole numbers below it.
    let (value_max, y_ticks) = if marks.counts {
        ((data_max * 1.1).ceil().max(1.0), (data_max.ceil() as usize + 1).min(5))
    } else {
        (data_max * 1.1, 5)
    };
    let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()).clamp(1.0, 3.0);
    let font = ("sans-serif", 11.0 * ratio);
    let Ok(mut chart) = ChartBuilder::on(&root)
        .margin(6.0 * ratio)
        .x_label_area_size(18.0 * ratio)
        .y_label_area_size(36.0 * ratio)
        .build_cartesian_2d(t_min..t_max, 0.0..value_max)
    else {
        return;
    };
    let counts = marks.counts;
    let _ = chart
        .configure_mesh()
        // Few grid lines: each is several canvas calls, and the charts' redraws are what a
        // frame's p95 is made of.
        .x_labels(6)
        .y_labels(y_ticks.max(2))
        .max_light_lines(1)
        .x_label_formatter(&|t| tick_text(*t, false))
        .y_label_formatter(&|v| tick_text(*v, counts))
        .label_style(font)
        .light_line_style(RGBColor(235, 235, 235))
        .draw();
    let mark_colour = RGBColor(120, 120, 120);
    for at_s in marks.marks_s.iter().filter(|t| (t_min..=t_max).contains(*t)) {
        let dashes = DashedLineSeries::new(
            [(*at_s, 0.0), (*at_s, value_max)],
            (4.0 * ratio) as u32,
            (3.0 * ratio) as u32,
            mark_colour.stroke_width(ratio as u32),
        );
        let _ = chart.draw_series(dashes);
    }
    for line in lines {
        let colour = parse_hex(line.colour);
        let series = LineSeries::new(line.points.iter().copied(), colour.stroke_width((1.5 * ratio) as u32));
        let _ = chart.draw_series(series);
    }
    let _ = root.present();
}

fn parse_hex(hex: &str) -> RGBColor {
    let value = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0);
    RGBColor((value >> 16) as u8, (value >> 8) as u8, value as u8)
}
