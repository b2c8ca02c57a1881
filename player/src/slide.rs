//! The city's default slide: shown whenever there is nothing else to play, with a status line
//! that says whether the server answers.

use bevy::prelude::*;
use bevy::text::FontSize;

use crate::server_link::ServerStatus;

/// Marks the status line of the default slide.
#[derive(Debug, Component)]
pub struct StatusLine;

/// Background of the default slide: the city's dark blue.
pub const BACKGROUND: Color = Color::srgb(0.05, 0.12, 0.25);

pub fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn_default_slide)
        .add_systems(Update, show_status.run_if(resource_changed::<ServerStatus>));
}

fn spawn_default_slide(mut commands: Commands) {
    commands.spawn(Camera2d);
    commands
        .spawn((
            Node {
                width: Val::Percent(100.0),
                height: Val::Percent(100.0),
                flex_direction: FlexDirection::Column,
                justify_content: JustifyContent::Center,
                align_items: AlignItems::Center,
                row_gap: Val::Vh(3.0),
                ..default()
            },
            BackgroundColor(BACKGROUND),
        ))
        .with_children(|slide| {
            slide.spawn((
                Text::new("Civicast"),
                TextFont {
                    font_size: FontSize::VMin(14.0),
                    ..default()
                },
                TextColor(Color::WHITE),
            ));
            slide.spawn((
                StatusLine,
                Text::new(status_text(&ServerStatus::Unknown)),
                TextFont {
                    font_size: FontSize::VMin(4.0),
                    ..default()
                },
                TextColor(Color::srgb(0.8, 0.85, 0.95)),
            ));
        });
}

/// The words on the status line for each link state.
pub fn status_text(status: &ServerStatus) -> String {
    match status {
        ServerStatus::Unknown => "Connecting to the server...".into(),
        ServerStatus::Reachable => "Connected to the server".into(),
        ServerStatus::Unreachable(_) => "Server unreachable: trying again".into(),
    }
}

fn show_status(status: Res<ServerStatus>, mut lines: Query<&mut Text, With<StatusLine>>) {
    for mut text in &mut lines {
        text.0 = status_text(&status);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_line(app: &mut App) -> String {
        let mut query = app.world_mut().query_filtered::<&Text, With<StatusLine>>();
        query
            .single(app.world())
            .expect("one status line")
            .0
            .clone()
    }

    #[test]
    fn the_status_line_follows_the_server_link() {
        let mut app = App::new();
        app.add_plugins(MinimalPlugins)
            .init_resource::<ServerStatus>()
            .add_plugins(plugin);
        app.update();
        assert_eq!(status_line(&mut app), "Connecting to the server...");

        *app.world_mut().resource_mut::<ServerStatus>() = ServerStatus::Reachable;
        app.update();
        assert_eq!(status_line(&mut app), "Connected to the server");

        *app.world_mut().resource_mut::<ServerStatus>() =
            ServerStatus::Unreachable("refused".into());
        app.update();
        assert_eq!(status_line(&mut app), "Server unreachable: trying again");
    }
}
