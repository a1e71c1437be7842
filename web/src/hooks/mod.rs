//! Hooks of the page.

mod use_animation_frame;
mod use_lang;

pub use use_animation_frame::use_animation_frame;
pub use use_lang::use_lang;
