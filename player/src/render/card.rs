//! An event card, drawn from its plan (`civicast_shared::layout::plan_card`), which the
//! portal's preview draws too: the poster whole over a blurred, darkened fill of itself (or a
//! date leaf on the category's colour), the text blocks in the lines the plan broke them into,
//! the "vandaag / morgen" badge, and the QR code in its own corner.

use bevy::prelude::*;
use chrono::{DateTime, Utc};
use civicast_shared::api::device::EventCard;
use civicast_shared::layout::{self, Area, Backdrop, CardPlan, CardWords, plan_card};

use super::look::CityLook;
use super::typography::{self, Fonts};
use super::{OutputSize, format};

/// The pictures a card may show, decoded beforehand.
#[derive(Debug, Default)]
pub struct Pictures {
    pub poster: Option<(Handle<Image>, UVec2)>,
    pub backdrop: Option<Handle<Image>>,
    pub qr: Option<Handle<Image>>,
}

/// Marks each text block of a card with its role, so tests (and the gallery) can find it.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardText(pub layout::Role);

/// A node at `area` of a screen of `size` pixels, in percent so it follows the screen.
fn placed(area: Area, size: Vec2) -> Node {
    Node {
        position_type: PositionType::Absolute,
        left: Val::Percent(area.x / size.x * 100.0),
        top: Val::Percent(area.y / size.y * 100.0),
        width: Val::Percent(area.w / size.x * 100.0),
        height: Val::Percent(area.h / size.y * 100.0),
        ..default()
    }
}

/// The plan of `event`'s card on this screen, as [`event_card`] draws it.
pub fn plan_for(
    event: &EventCard,
    output: OutputSize,
    poster: Option<UVec2>,
    has_qr: bool,
    tz: &chrono_tz::Tz,
    now: DateTime<Utc>,
) -> CardPlan {
    let dates = format::CardDates::of(event.starts_at, event.ends_at, now, tz);
    let words = CardWords::new(
        &event.title,
        &event.organiser,
        event.category,
        &event.venue,
        &event.description,
        &dates,
    );
    plan_card(
        output.pair(),
        poster.map(|size| (size.x, size.y)),
        has_qr,
        &words,
    )
}

#[allow(clippy::too_many_arguments)]
pub fn event_card(
    layer: &mut ChildSpawnerCommands,
    fonts: &Fonts,
    look: &CityLook,
    output: OutputSize,
    event: &EventCard,
    pictures: Pictures,
    tz: &chrono_tz::Tz,
    now: DateTime<Utc>,
) {
    let poster_size = pictures.poster.as_ref().map(|(_, size)| *size);
    let plan = plan_for(event, output, poster_size, pictures.qr.is_some(), tz, now);
    let size = Vec2::new(output.0.x.max(1) as f32, output.0.y.max(1) as f32);

    match (plan.backdrop, pictures.backdrop) {
        (Backdrop::BlurredPoster, Some(backdrop)) => {
            layer.spawn((
                ImageNode {
                    image: backdrop,
                    image_mode: NodeImageMode::Stretch,
                    ..default()
                },
                placed(plan.screen, size),
            ));
        }
        (Backdrop::Colour(rgb), _) => {
            layer.spawn((
                placed(plan.screen, size),
                BackgroundColor(typography::rgb(rgb)),
            ));
        }
        (Backdrop::BlurredPoster, None) => {}
    }
    if let (Some(area), Some((handle, _))) = (plan.poster, pictures.poster) {
        layer.spawn((
            ImageNode {
                image: handle,
                image_mode: NodeImageMode::Stretch,
                ..default()
            },
            placed(area, size),
        ));
    }
    // The date leaf and the badge: rounded, in the city's accent.
    let leaf = plan.leaf.map(|area| (area, 0.06 * area.w));
    let badge = plan.near_badge.map(|area| (area, 0.25 * area.h));
    for (area, radius) in leaf.into_iter().chain(badge) {
        layer.spawn((
            Node {
                border_radius: BorderRadius::all(Val::Px(radius)),
                ..placed(area, size)
            },
            BackgroundColor(typography::rgb(look.palette.accent)),
        ));
    }
    if let (Some(area), Some(qr)) = (plan.qr, pictures.qr) {
        layer.spawn((
            ImageNode {
                image: qr,
                image_mode: NodeImageMode::Stretch,
                ..default()
            },
            placed(area, size),
        ));
    }
    for block in &plan.blocks {
        let role = block.role;
        let words = (
            CardText(role),
            Text::new(block.text()),
            typography::style(fonts, role.weight(), block.px, size.y, role.colour()),
            // The plan broke the lines already; the renderer must not break them again.
            TextLayout::new(Justify::Left, LineBreak::NoWrap),
        );
        if block.centred {
            layer
                .spawn(Node {
                    justify_content: JustifyContent::Center,
                    align_items: AlignItems::Center,
                    ..placed(block.area, size)
                })
                .with_children(|centre| {
                    centre.spawn(words);
                });
        } else {
            layer.spawn((words, placed(block.area, size)));
        }
    }
}
