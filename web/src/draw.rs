//! Drawing on canvases: free functions that take a canvas and plain data. No state, no
//! simulation: callers pass what to draw.

use crate::palette;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use replica_core::geo::{city_position, MAP_HEIGHT, MAP_WIDTH};
use replica_core::metrics::SeriesPoint;
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

/// Draws messages in flight as dots along the straight line between their cities, at the
/// fraction of their flight done by `now_us`. Local messages (same city) pulse at the city.
pub fn messages(canvas: &HtmlCanvasElement, glyphs: &[Glyph], now_us: u64) {
    let Some((context, width, height)) = prepare(canvas) else { return };
    context.clear_rect(0.0, 0.0, width, height);
    let scale = (width / MAP_WIDTH).min(height / MAP_HEIGHT);
    let (offset_x, offset_y) = ((width - MAP_WIDTH * scale) / 2.0, (height - MAP_HEIGHT * scale) / 2.0);
    for glyph in glyphs {
        let (ax, ay) = city_position(glyph.from_city);
        let (bx, by) = city_position(glyph.to_city);
        let progress = glyph.progress(now_us);
        let (x, y) = (ax + (bx - ax) * progress, ay + (by - ay) * progress);
        let radius = if glyph.from_city == glyph.to_city { 2.0 + 4.0 * progress } else { 3.2 };
        context.begin_path();
        let _ = context.arc(offset_x + x * scale, offset_y + y * scale, radius, 0.0, std::f64::consts::TAU);
        context.set_fill_style_str(palette::message_colour(glyph.kind));
        context.set_global_alpha(if glyph.from_city == glyph.to_city { 0.45 } else { 0.9 });
        context.fill();
    }
    context.set_global_alpha(1.0);
}

/// Draws replication lag per node over time with plotters. `names[i]` labels series `i`;
/// nodes in `skip` (primaries) are not drawn.
pub fn lag_chart(canvas: &HtmlCanvasElement, series: &[SeriesPoint], names: &[String], skip: &[bool]) {
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
    let (t_min, t_max) = match (series.first(), series.last()) {
        (Some(first), Some(last)) if last.t_us > first.t_us => (first.t_us as f64 / 1e6, last.t_us as f64 / 1e6),
        _ => (0.0, 1.0),
    };
    let lag_max = series.iter().flat_map(|p| p.lag_ms.iter().copied()).fold(1.0f32, f32::max) as f64 * 1.1;
    let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()).clamp(1.0, 3.0);
    let font = ("sans-serif", 11.0 * ratio);
    let Ok(mut chart) = ChartBuilder::on(&root)
        .margin(6.0 * ratio)
        .x_label_area_size(22.0 * ratio)
        .y_label_area_size(40.0 * ratio)
        .build_cartesian_2d(t_min..t_max, 0.0..lag_max)
    else {
        return;
    };
    let _ = chart
        .configure_mesh()
        .x_desc("simulated s")
        .y_desc("lag ms")
        .label_style(font)
        .axis_desc_style(font)
        .light_line_style(RGBColor(235, 235, 235))
        .draw();
    for (index, name) in names.iter().enumerate() {
        if skip.get(index).copied().unwrap_or(false) {
            continue;
        }
        let colour = parse_hex(palette::SERIES[index % palette::SERIES.len()]);
        let points =
            series.iter().map(|p| (p.t_us as f64 / 1e6, f64::from(p.lag_ms.get(index).copied().unwrap_or(0.0))));
        if let Ok(drawn) = chart.draw_series(LineSeries::new(points, colour.stroke_width((1.5 * ratio) as u32))) {
            drawn.label(name.as_str()).legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], colour));
        }
    }
    let _ = chart
        .configure_series_labels()
        .label_font(font)
        .background_style(WHITE.mix(0.8))
        .border_style(RGBColor(200, 200, 200))
        .position(SeriesLabelPosition::UpperLeft)
        .draw();
    let _ = root.present();
}

fn parse_hex(hex: &str) -> RGBColor {
    let value = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0);
    RGBColor((value >> 16) as u8, (value >> 8) as u8, value as u8)
}
