//! The screens around the programme: pairing (the code, where to enter it, a QR code to get
//! there), connecting (which server, and what is wrong in words IT understands, such as
//! "certificate for cms.city.example is not trusted"), the building's quiet slide when nothing
//! is scheduled (no product name, no technical words for the public), and announcements.

use bevy::prelude::*;
use chrono::{DateTime, Utc};
use civicast_shared::api::device::EventCard;
use civicast_shared::colour::{SOFT_TEXT, WHITE};
use civicast_shared::layout;
use civicast_shared::typeface::{self, Weight};

use super::look::CityLook;
use super::typography::{self, Fonts};
use super::{OutputSize, PairingCodeText, StatusLine, format};
use crate::sync::{Link, LinkState};

/// The unit waiting screens are sized in: the shorter side of the screen, or more on an LED
/// wall, which is read from further away and has room across.
fn unit(output: OutputSize) -> f32 {
    let shorter = output.0.x.min(output.0.y).max(1) as f32;
    if output.aspect() >= 2.4 {
        shorter * 1.5
    } else {
        shorter
    }
}

fn column(gap_percent: f32) -> Node {
    Node {
        flex_direction: FlexDirection::Column,
        justify_content: JustifyContent::Center,
        align_items: AlignItems::Center,
        row_gap: Val::VMin(gap_percent),
        max_width: Val::Percent(88.0),
        ..default()
    }
}

fn line(
    fonts: &Fonts,
    output: OutputSize,
    words: impl Into<String>,
    weight: Weight,
    share: f32,
    colour: [f32; 3],
) -> impl Bundle {
    (
        Text::new(words),
        typography::style(
            fonts,
            weight,
            share * unit(output),
            output.0.y as f32,
            colour,
        ),
        TextLayout::justify(Justify::Center),
        Node {
            max_width: Val::Percent(100.0),
            ..default()
        },
    )
}

/// The host of a server address, as people read it ("cms.city.example").
fn host(server: &str) -> &str {
    let rest = server.split_once("://").map_or(server, |(_, rest)| rest);
    rest.split(['/', '?']).next().unwrap_or(rest)
}

/// What the connecting screen says about the link.
pub fn status_text(link: &LinkState) -> String {
    match link {
        LinkState::Unknown => "Verbinding maken… / Connecting…".into(),
        LinkState::Reachable => {
            "Verbonden; het programma komt eraan / Connected; the programme is on its way".into()
        }
        LinkState::Unreachable(reason) => {
            format!(
                "Geen verbinding / No connection: {reason}\n{}",
                what_to_do(reason)
            )
        }
    }
}

/// What IT can do about a failed connection, from the words of the failure.
fn what_to_do(reason: &str) -> &'static str {
    if reason.contains("certificate") {
        "Geef het CA-certificaat van de stad mee met --ca-file / Give the city's CA with --ca-file"
    } else if reason.contains("not found") {
        "Controleer het serveradres en de DNS / Check the server address and DNS"
    } else if reason.contains("TLS") || reason.contains("http://") {
        "Controleer http:// of https:// in het serveradres / Check http:// or https:// in the address"
    } else {
        "Controleer de netwerkkabel en of de server draait / Check the network cable and the server"
    }
}

pub fn show_link(link: Res<Link>, mut lines: Query<&mut Text, With<StatusLine>>) {
    for mut text in &mut lines {
        text.0 = status_text(&link.0);
    }
}

pub fn connecting(
    layer: &mut ChildSpawnerCommands,
    fonts: &Fonts,
    output: OutputSize,
    server: &str,
    link: &LinkState,
) {
    layer.spawn(column(2.5)).with_children(|screen| {
        screen.spawn(line(
            fonts,
            output,
            "Dit scherm zoekt zijn server",
            Weight::Bold,
            0.07,
            WHITE,
        ));
        screen.spawn(line(
            fonts,
            output,
            "This screen is looking for its server",
            Weight::Regular,
            0.04,
            SOFT_TEXT,
        ));
        screen.spawn(line(
            fonts,
            output,
            host(server),
            Weight::SemiBold,
            0.05,
            WHITE,
        ));
        screen.spawn((
            StatusLine,
            line(
                fonts,
                output,
                status_text(link),
                Weight::Regular,
                0.035,
                SOFT_TEXT,
            ),
        ));
    });
}

#[allow(clippy::too_many_arguments)]
pub fn idle(
    layer: &mut ChildSpawnerCommands,
    fonts: &Fonts,
    look: &CityLook,
    output: OutputSize,
    building: &str,
    now: DateTime<Utc>,
    tz: &chrono_tz::Tz,
    events: &[&EventCard],
) {
    let [weekday, day, month] = format::date_leaf(now, tz);
    layer.spawn(column(3.0)).with_children(|screen| {
        if let Some((logo, size)) = &look.logo {
            // At most a quarter of the screen's height, in the logo's own proportions.
            let height = output.0.y as f32 * 0.22;
            let width =
                (height * size.x as f32 / size.y.max(1) as f32).min(output.0.x as f32 * 0.6);
            screen.spawn((
                ImageNode::new(logo.clone()),
                Node {
                    width: Val::Percent(width / output.0.x.max(1) as f32 * 100.0),
                    aspect_ratio: Some(size.x as f32 / size.y.max(1) as f32),
                    ..default()
                },
            ));
        }
        screen.spawn(line(fonts, output, "Welkom", Weight::Bold, 0.12, WHITE));
        let place = match &look.city_name {
            Some(city) => format!("{building} · {city}"),
            None => building.to_owned(),
        };
        screen.spawn(line(fonts, output, place, Weight::SemiBold, 0.06, WHITE));
        screen.spawn(line(
            fonts,
            output,
            format!("{weekday} {day} {month}"),
            Weight::Regular,
            0.045,
            SOFT_TEXT,
        ));
        if !events.is_empty() && output.aspect() < 2.4 {
            screen
                .spawn(Node {
                    flex_direction: FlexDirection::Column,
                    row_gap: Val::VMin(1.2),
                    margin: UiRect::top(Val::VMin(3.0)),
                    ..default()
                })
                .with_children(|list| {
                    list.spawn(line(fonts, output, "Deze week", Weight::Bold, 0.045, WHITE));
                    for event in events {
                        let when = format::event_when_short(event.starts_at, tz);
                        let words =
                            format!("{when}  {}  · {}", event.title.trim(), event.venue.trim());
                        let width = output.0.x as f32 * 0.8;
                        let px = 0.034 * unit(output);
                        let height = output.0.y as f32;
                        let words = typeface::truncate(&words, Weight::Regular, px, width);
                        list.spawn((
                            Text::new(words),
                            typography::style(fonts, Weight::Regular, px, height, SOFT_TEXT),
                            TextLayout::new(Justify::Left, LineBreak::NoWrap),
                        ));
                    }
                });
        }
    });
}

pub fn pairing(
    layer: &mut ChildSpawnerCommands,
    fonts: &Fonts,
    output: OutputSize,
    code: &str,
    server: &str,
    qr: Option<Handle<Image>>,
) {
    let spaced = if code.len() == 6 {
        format!("{} {}", &code[..3], &code[3..])
    } else {
        code.to_owned()
    };
    let wide = output.aspect() >= 2.0;
    layer
        .spawn(Node {
            flex_direction: if output.aspect() < 1.2 {
                FlexDirection::Column
            } else {
                FlexDirection::Row
            },
            align_items: AlignItems::Center,
            justify_content: JustifyContent::Center,
            column_gap: Val::VMin(8.0),
            row_gap: Val::VMin(6.0),
            ..default()
        })
        .with_children(|screen| {
            screen.spawn(column(2.0)).with_children(|words| {
                words.spawn(line(
                    fonts,
                    output,
                    "Koppel dit scherm · Pair this screen",
                    Weight::SemiBold,
                    0.05,
                    SOFT_TEXT,
                ));
                words.spawn((
                    PairingCodeText,
                    line(
                        fonts,
                        output,
                        spaced,
                        Weight::Bold,
                        if wide { 0.3 } else { 0.18 },
                        WHITE,
                    ),
                ));
                words.spawn(line(
                    fonts,
                    output,
                    format!(
                        "Voer de code in op {0} · Enter the code at {0}",
                        host(server)
                    ),
                    Weight::Regular,
                    0.035,
                    SOFT_TEXT,
                ));
            });
            if let Some(qr) = qr {
                let side = if wide { Val::Vh(70.0) } else { Val::VMin(28.0) };
                screen.spawn((
                    ImageNode {
                        image: qr,
                        image_mode: NodeImageMode::Stretch,
                        ..default()
                    },
                    Node {
                        width: side,
                        height: side,
                        flex_shrink: 0.0,
                        ..default()
                    },
                ));
            }
        });
}

pub fn announcement(
    layer: &mut ChildSpawnerCommands,
    fonts: &Fonts,
    output: OutputSize,
    message: &str,
) {
    let block = layout::plan_announcement((output.0.x, output.0.y), message);
    let role = block.role;
    let height = output.0.y.max(1) as f32;
    layer.spawn(column(0.0)).with_children(|slot| {
        slot.spawn((
            Text::new(block.text()),
            typography::style(fonts, role.weight(), block.px, height, role.colour()),
            // The plan broke the lines already; the renderer must not break them again.
            TextLayout::new(Justify::Center, LineBreak::NoWrap),
        ));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_connection_says_what_to_do() {
        let refused = status_text(&LinkState::Unreachable(
            "cms.city.example cannot be reached: connection refused".into(),
        ));
        assert!(refused.contains("connection refused") && refused.contains("server"));
        let untrusted = status_text(&LinkState::Unreachable(
            "certificate for cms.city.example is not trusted".into(),
        ));
        assert!(untrusted.contains("--ca-file"), "{untrusted}");
    }

    #[test]
    fn the_host_is_what_people_type() {
        assert_eq!(host("https://cms.city.example"), "cms.city.example");
        assert_eq!(host("http://127.0.0.1:8080/"), "127.0.0.1:8080");
        assert_eq!(host("cms.city.example"), "cms.city.example");
    }
}
