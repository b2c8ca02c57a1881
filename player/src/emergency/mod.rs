//! Emergency messages: a thread follows the server's push channel (`stream`), and the app puts
//! the message over everything on screen, above every layer, until it is cleared.

pub mod stream;

use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver};

use bevy::prelude::*;
use bevy::winit::{EventLoopProxyWrapper, WinitUserEvent};
use civicast_shared::api::emergency::{EmergencyMessage, EmergencyState};

use crate::sync::SyncSettings;
use crate::sync::worker::Waker;

/// The emergency background: a deep red that white text reads well on from afar.
pub const EMERGENCY_RED: Color = Color::srgb(0.6, 0.0, 0.0);

/// States from the emergency thread, read each frame.
#[derive(Resource)]
pub struct EmergencyInbox(pub Mutex<Receiver<EmergencyState>>);

/// The message on screen now, if any.
#[derive(Resource, Debug, Default, PartialEq, Eq)]
pub struct Emergency(pub Option<EmergencyMessage>);

/// The overlay that shows it.
#[derive(Component)]
pub struct EmergencyOverlay;

pub fn plugin(app: &mut App) {
    app.init_resource::<Emergency>()
        .add_systems(Startup, start_thread)
        .add_systems(PreUpdate, receive)
        .add_systems(Update, show.run_if(resource_changed::<Emergency>));
}

fn start_thread(
    mut commands: Commands,
    settings: Option<Res<SyncSettings>>,
    event_loop: Option<Res<EventLoopProxyWrapper>>,
) {
    let Some(settings) = settings else {
        return;
    };
    let (to_app, inbox) = mpsc::channel();
    commands.insert_resource(EmergencyInbox(Mutex::new(inbox)));
    let waker = event_loop.map(|proxy| {
        let proxy = (**proxy).clone();
        let wake: Waker = std::sync::Arc::new(move || {
            let _ = proxy.send_event(WinitUserEvent::WakeUp);
        });
        wake
    });
    let (data, server) = (settings.0.data.clone(), settings.0.server.clone());
    std::thread::Builder::new()
        .name("emergency".into())
        .spawn(move || stream::run(data, server, to_app, waker))
        .expect("the emergency thread starts");
}

fn receive(inbox: Option<Res<EmergencyInbox>>, mut emergency: ResMut<Emergency>) {
    let Some(inbox) = inbox else {
        return;
    };
    let Ok(inbox) = inbox.0.lock() else {
        return;
    };
    if let Some(latest) = inbox.try_iter().last() {
        if latest.message.is_some() != emergency.0.is_some() {
            info!(
                "emergency message {}",
                if latest.message.is_some() {
                    "shown"
                } else {
                    "cleared"
                }
            );
        }
        emergency.set_if_neq(Emergency(latest.message));
    }
}

fn show(
    mut commands: Commands,
    emergency: Res<Emergency>,
    overlays: Query<Entity, With<EmergencyOverlay>>,
) {
    for overlay in &overlays {
        commands.entity(overlay).despawn();
    }
    let Some(message) = &emergency.0 else {
        return;
    };
    commands
        .spawn((
            EmergencyOverlay,
            Node {
                position_type: PositionType::Absolute,
                left: Val::Px(0.0),
                top: Val::Px(0.0),
                width: Val::Percent(100.0),
                height: Val::Percent(100.0),
                justify_content: JustifyContent::Center,
                align_items: AlignItems::Center,
                padding: UiRect::all(Val::VMin(6.0)),
                ..default()
            },
            BackgroundColor(EMERGENCY_RED),
            // Above every playlist layer, whatever their order.
            GlobalZIndex(i32::MAX),
        ))
        .with_children(|overlay| {
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
