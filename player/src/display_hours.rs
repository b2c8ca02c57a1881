//! Display on/off hours: outside its building's display hours the screen is blank, the
//! configured command runs (to switch the panel off over CEC or DPMS, say), and no plays are
//! recorded (`proof::recorder`). When the hours begin, the `on` command runs and the loop shows
//! again.

use bevy::prelude::*;

use crate::Step;
use crate::playback::{Playback, WallClock};
use crate::sync::IncomingManifest;

/// Whether the screen is inside its display hours now.
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DisplayHours {
    #[default]
    Inside,
    Outside,
}

/// Shell commands run when the display hours end and begin (none by default).
#[derive(Resource, Debug, Clone, Default)]
pub struct DisplayCommands {
    pub off: Option<String>,
    pub on: Option<String>,
}

/// The black layer over the loop (below an emergency message, which shows in any case).
#[derive(Component)]
pub struct BlankScreen;

pub fn plugin(app: &mut App) {
    app.init_state::<DisplayHours>()
        .init_resource::<DisplayCommands>()
        .add_systems(Update, check_hours.in_set(Step::Decide))
        .add_systems(OnEnter(DisplayHours::Outside), blank_screen)
        .add_systems(OnExit(DisplayHours::Outside), switch_on);
}

/// Reads the display hours of the manifest playing, or of the one about to: new hours apply at
/// once; only a new loop waits for the end of the item on screen.
pub fn check_hours(
    time: Res<Time<Real>>,
    clock: Res<WallClock>,
    playback: Res<Playback>,
    incoming: Res<IncomingManifest>,
    mut next: ResMut<NextState<DisplayHours>>,
) {
    let hours = match incoming.0.as_ref() {
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
    let hours = if outside {
        DisplayHours::Outside
    } else {
        DisplayHours::Inside
    };
    NextState::set_if_neq(&mut next, hours);
}

fn blank_screen(mut commands: Commands, shell: Res<DisplayCommands>) {
    info!("outside the display hours: the screen is blank");
    commands.spawn((
        BlankScreen,
        DespawnOnExit(DisplayHours::Outside),
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
    run_in_background(shell.off.clone());
}

fn switch_on(shell: Res<DisplayCommands>) {
    info!("inside the display hours again");
    run_in_background(shell.on.clone());
}

/// The panel's own command may take a while (CEC); the loop does not wait for it.
fn run_in_background(command: Option<String>) {
    let Some(command) = command else {
        return;
    };
    std::thread::spawn(move || {
        match std::process::Command::new("sh")
            .arg("-c")
            .arg(&command)
            .status()
        {
            Ok(status) if status.success() => {}
            Ok(status) => warn!("'{command}' ended with {status}"),
            Err(error) => error!("cannot run '{command}': {error}"),
        }
    });
}
