//! What the screen is doing: the [`Screen`] state, which the loop (`playback`) decides, and the
//! full-screen layer that the pairing and default-slide modes put up when they begin. Items put
//! up their own layers as they follow each other while [`Screen::Playing`].

use bevy::prelude::*;

use crate::playback::{Playback, WallClock};
use crate::render::{self, CityLook, Fonts, LayerContent, OutputSize};
use crate::sync::{Link, PairingCode, SyncSettings};

/// What the screen is doing.
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Screen {
    /// Nothing shown yet: the first layer shows without a fade.
    #[default]
    Starting,
    /// Not paired (or the screen's token was revoked): the pairing code, until staff enter it.
    /// Entered again, from itself, when the code changes.
    Pairing,
    /// The city's default slide: nothing is scheduled (or nothing has arrived yet).
    DefaultSlide,
    /// The playlist's items, one after another.
    Playing,
}

// A mode's layer is not despawned when the mode ends: the next layer fades in over it, and it
// goes once it is covered (`render::fade_layers`), so that no frame between modes is black.
pub fn plugin(app: &mut App) {
    app.init_state::<Screen>()
        .init_resource::<DefaultShown>()
        .add_systems(OnEnter(Screen::Pairing), show_pairing_code)
        .add_systems(
            Update,
            show_default_slide
                .in_set(crate::Step::Show)
                .run_if(in_state(Screen::DefaultSlide)),
        )
        .add_systems(
            OnExit(Screen::DefaultSlide),
            |mut shown: ResMut<DefaultShown>| {
                shown.0 = None;
            },
        );
}

/// How many of this week's events the quiet slide lists.
const WEEK_LIST: usize = 4;

/// Which default slide is up: `Some(None)` the connecting screen, `Some(Some(key))` the
/// building's quiet slide (its building, city name and logo); `None` outside
/// [`Screen::DefaultSlide`].
#[derive(Resource, Debug, Default)]
struct DefaultShown(Option<Option<String>>);

/// When a mode's layer shows, and whether it fades in (all but the very first layer do).
fn layer_start(
    time: &Time<Real>,
    layers: &Query<(), With<render::Layer>>,
) -> (std::time::Duration, bool) {
    (time.elapsed(), !layers.is_empty())
}

#[allow(clippy::too_many_arguments)]
fn show_pairing_code(
    mut commands: Commands,
    mut images: ResMut<Assets<Image>>,
    fonts: Res<Fonts>,
    look: Res<CityLook>,
    time: Res<Time<Real>>,
    output: Res<OutputSize>,
    pairing: Res<PairingCode>,
    layers: Query<(), With<render::Layer>>,
) {
    // The loop enters this mode only with a code to show.
    let Some((code, server)) = &pairing.0 else {
        return;
    };
    let (now, fade) = layer_start(&time, &layers);
    // The code is entered on the server's screens page; the QR code leads there.
    let qr = render::qr::qr_image(&format!("{}/screens", server.trim_end_matches('/')))
        .map(|image| images.add(image));
    let content = LayerContent::Pairing { code, server, qr };
    render::spawn_layer(&mut commands, &fonts, &look, now, fade, *output, content);
}

/// Nothing to play: the building's quiet slide once the player has a programme, otherwise the
/// screen that says which server it is looking for and what is wrong; the one replaces the other
/// when the first programme arrives.
#[allow(clippy::too_many_arguments)]
fn show_default_slide(
    mut commands: Commands,
    mut shown: ResMut<DefaultShown>,
    fonts: Res<Fonts>,
    look: Res<CityLook>,
    time: Res<Time<Real>>,
    clock: Res<WallClock>,
    output: Res<OutputSize>,
    playback: Res<Playback>,
    link: Res<Link>,
    settings: Option<Res<SyncSettings>>,
    layers: Query<(), With<render::Layer>>,
) {
    // The slide shows the date and this week's events: a new day or a new list puts it up
    // again.
    let wall = clock.now(&time);
    let events = playback.upcoming_events(wall, WEEK_LIST);
    let wanted = playback.building().map(|(name, tz)| {
        let logo = look.logo.as_ref().map(|(handle, _)| handle.id());
        let today = wall.with_timezone(&tz).date_naive();
        let week: Vec<_> = events.iter().map(|e| (&e.title, e.starts_at)).collect();
        format!(
            "{name}|{:?}|{logo:?}|{:?}|{today}|{week:?}",
            look.city_name, look.palette
        )
    });
    if shown.0.as_ref() == Some(&wanted) {
        return;
    }
    shown.0 = Some(wanted);
    let (now, fade) = layer_start(&time, &layers);
    let content = match playback.building() {
        Some((building, tz)) => LayerContent::Idle {
            building,
            now: wall,
            tz,
            events,
        },
        None => LayerContent::Connecting {
            server: settings.as_ref().map_or("", |s| s.0.server.base()),
            link: &link.0,
        },
    };
    render::spawn_layer(&mut commands, &fonts, &look, now, fade, *output, content);
}
