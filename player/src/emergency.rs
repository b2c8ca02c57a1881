//! Emergency messages: the push channel (`push`) brings them, and the app puts the message over
//! everything on screen, above every layer, until it is cleared.

use bevy::prelude::*;
use civicast_shared::api::emergency::EmergencyMessage;

use crate::Step;

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

fn show(
    mut commands: Commands,
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
            overlay.spawn((
                Text::new(message.text.clone()),
                TextFont {
                    font_size: FontSize::VMin(9.0),
                    ..default()
                },
                TextColor(Color::WHITE),
                TextLayout::justify(Justify::Center),
                Node {
                    max_width: Val::Percent(100.0),
                    ..default()
                },
            ));
        });
}
