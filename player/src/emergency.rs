//! Emergency messages: the push channel (`push`) brings them, and the app puts the message over
//! everything on screen, above every layer, until it is cleared: a warning sign, the heading
//! "Belangrijke mededeling", the message, and the time it was sent (in the building's zone).

use bevy::prelude::*;
use civicast_shared::api::emergency::EmergencyMessage;
use civicast_shared::colour::{SOFT_TEXT, WHITE};
use civicast_shared::typeface::Weight;

use crate::Step;
use crate::playback::Playback;
use crate::render::OutputSize;
use crate::render::typography::{self, Fonts};

/// The emergency background: a deep red that white text reads well on from afar.
pub const EMERGENCY_RED: Color = Color::srgb(0.6, 0.0, 0.0);

/// The message on screen now, if any.
#[derive(Resource, Debug, Default, PartialEq, Eq)]
pub struct Emergency(pub Option<EmergencyMessage>);

/// The message's image once fetched, by its SHA-256 (it may arrive after the message).
#[derive(Resource, Debug, Default)]
pub struct EmergencyImage(pub Option<(String, Handle<Image>)>);

/// The overlay that shows it.
#[derive(Component)]
pub struct EmergencyOverlay;

pub fn plugin(app: &mut App) {
    app.init_resource::<Emergency>()
        .init_resource::<EmergencyImage>()
        .add_systems(
            Update,
            show.in_set(Step::Show)
                .run_if(resource_changed::<Emergency>.or_else(resource_changed::<EmergencyImage>)),
        );
}

#[allow(clippy::too_many_arguments)]
fn show(
    mut commands: Commands,
    fonts: Res<Fonts>,
    output: Res<OutputSize>,
    playback: Res<Playback>,
    emergency: Res<Emergency>,
    image: Res<EmergencyImage>,
    overlays: Query<Entity, With<EmergencyOverlay>>,
) {
    for overlay in &overlays {
        commands.entity(overlay).despawn();
    }
    let Some(message) = &emergency.0 else {
        return;
    };
    // The image shows once it arrived, and only the one this message names.
    let image = image.0.as_ref().and_then(|(sha256, handle)| {
        message
            .media
            .as_ref()
            .is_some_and(|m| &m.sha256 == sha256)
            .then(|| handle.clone())
    });
    commands
        .spawn((
            EmergencyOverlay,
            Node {
                position_type: PositionType::Absolute,
                left: Val::Px(0.0),
                top: Val::Px(0.0),
                width: Val::Percent(100.0),
                height: Val::Percent(100.0),
                flex_direction: FlexDirection::Column,
                justify_content: JustifyContent::Center,
                align_items: AlignItems::Center,
                row_gap: Val::VMin(4.0),
                padding: UiRect::all(Val::VMin(6.0)),
                ..default()
            },
            BackgroundColor(EMERGENCY_RED),
            // Above every playlist layer, whatever their order.
            GlobalZIndex(i32::MAX),
        ))
        .with_children(|overlay| {
            if let Some(image) = image {
                overlay.spawn((
                    ImageNode::new(image),
                    Node {
                        max_width: Val::Percent(100.0),
                        max_height: Val::Percent(50.0),
                        ..default()
                    },
                ));
            }
            let unit = output.0.x.min(output.0.y).max(1) as f32;
            let height = output.0.y.max(1) as f32;
            let wide = output.0.x as f32 / height >= 2.4;
            let scale = if wide { 1.6 } else { 1.0 };
            overlay
                .spawn(Node {
                    align_items: AlignItems::Center,
                    column_gap: Val::VMin(3.0),
                    ..default()
                })
                .with_children(|heading| {
                    // A warning sign drawn as a white disc with "!", in no font's mercy.
                    let side = Val::Px(0.09 * unit * scale);
                    heading
                        .spawn((
                            Node {
                                width: side,
                                height: side,
                                justify_content: JustifyContent::Center,
                                align_items: AlignItems::Center,
                                border_radius: BorderRadius::MAX,
                                ..default()
                            },
                            BackgroundColor(Color::WHITE),
                        ))
                        .with_children(|sign| {
                            sign.spawn((
                                Text::new("!"),
                                typography::style(
                                    &fonts,
                                    Weight::Bold,
                                    0.07 * unit * scale,
                                    height,
                                    [0.6, 0.0, 0.0],
                                ),
                            ));
                        });
                    heading.spawn((
                        Text::new("Belangrijke mededeling"),
                        typography::style(&fonts, Weight::Bold, 0.06 * unit * scale, height, WHITE),
                    ));
                });
            overlay.spawn((
                Text::new(message.text.clone()),
                typography::style(
                    &fonts,
                    Weight::SemiBold,
                    0.075 * unit * scale,
                    height,
                    WHITE,
                ),
                TextLayout::justify(Justify::Center),
                Node {
                    max_width: Val::Percent(100.0),
                    ..default()
                },
            ));
            let tz = playback
                .building()
                .map_or(chrono_tz::Europe::Brussels, |(_, tz)| tz);
            let sent = message.created_at.with_timezone(&tz).format("%H:%M");
            overlay.spawn((
                Text::new(format!("Bericht van {sent}")),
                typography::style(
                    &fonts,
                    Weight::Regular,
                    0.035 * unit * scale,
                    height,
                    SOFT_TEXT,
                ),
            ));
        });
}
