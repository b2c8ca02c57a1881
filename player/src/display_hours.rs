//! Display on/off hours: outside its building's display hours the screen is blank, the
//! configured command runs (to switch the panel off over CEC or DPMS, say), and no plays are
//! recorded. When the hours begin, the `on` command runs and the loop shows again.

use bevy::prelude::*;

use crate::playback::{Playback, WallClock};
use crate::proof::PlayLog;
use crate::sync::IncomingManifest;

/// Whether the screen is outside its display hours now.
#[derive(Resource, Debug, Default, PartialEq, Eq)]
pub struct DisplayOff(pub bool);

/// Shell commands run when the display hours end and begin.
#[derive(Resource, Debug, Clone, Default)]
pub struct DisplayCommands {
    pub off: Option<String>,
    pub on: Option<String>,
}

/// The black layer over the loop (below an emergency message, which shows in any case).
#[derive(Component)]
pub struct BlankScreen;

pub fn plugin(app: &mut App) {
    app.init_resource::<DisplayOff>().add_systems(
        Update,
        (check_hours, apply.run_if(resource_changed::<DisplayOff>)).chain(),
    );
}

fn check_hours(
    time: Res<Time<Real>>,
    clock: Option<Res<WallClock>>,
    playback: Option<Res<Playback>>,
    incoming: Option<Res<IncomingManifest>>,
    mut off: ResMut<DisplayOff>,
) {
    let (Some(clock), Some(playback)) = (clock, playback) else {
        return;
    };
    // New hours apply at once; only a new loop waits for the end of the item on screen.
    let hours = match incoming.as_ref().and_then(|i| i.0.as_ref()) {
        Some(next) => next
            .manifest
            .display_hours
            .map(|hours| (hours, next.manifest.tz())),
        None => playback.display_hours(),
    };
    let outside = hours.is_some_and(|(hours, tz)| {
        let local = clock.now(&time).with_timezone(&tz).time();
        !hours.contains(local)
    });
    off.set_if_neq(DisplayOff(outside));
}

#[allow(clippy::too_many_arguments)]
fn apply(
    mut commands: Commands,
    off: Res<DisplayOff>,
    blanks: Query<Entity, With<BlankScreen>>,
    shell: Option<Res<DisplayCommands>>,
    time: Res<Time<Real>>,
    clock: Option<Res<WallClock>>,
    playback: Option<ResMut<Playback>>,
    log: Option<Res<PlayLog>>,
) {
    for blank in &blanks {
        commands.entity(blank).despawn();
    }
    if let (Some(clock), Some(mut playback)) = (clock, playback) {
        playback.set_blanked(off.0, clock.now(&time), time.elapsed(), log.as_deref());
    }
    if off.0 {
        info!("outside the display hours: the screen is blank");
        commands.spawn((
            BlankScreen,
            Node {
                position_type: PositionType::Absolute,
                left: Val::Px(0.0),
                top: Val::Px(0.0),
                width: Val::Percent(100.0),
                height: Val::Percent(100.0),
                ..default()
            },
            BackgroundColor(Color::BLACK),
            GlobalZIndex(i32::MAX - 1),
        ));
    } else if off.is_added() {
        // The first frame: nothing to switch on.
        return;
    } else {
        info!("inside the display hours again");
    }
    let command = shell.and_then(|s| if off.0 { s.off.clone() } else { s.on.clone() });
    if let Some(command) = command {
        // The panel's own command may take a while (CEC); the loop does not wait for it.
        std::thread::spawn(move || {
            match std::process::Command::new("sh")
                .arg("-c")
                .arg(&command)
                .status()
            {
                Ok(status) if status.success() => {}
                Ok(status) => eprintln!("civicast-player: '{command}' ended with {status}"),
                Err(error) => eprintln!("civicast-player: cannot run '{command}': {error}"),
            }
        });
    }
}
