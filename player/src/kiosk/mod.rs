//! Interactive kiosks: a screen of kind kiosk plays its loop untouched (the attract loop, with a
//! discreet "touch to explore" hint) and opens the kiosk view over it at a touch or a click:
//! what's on in the city, the "you are here" map, the city's services, in Dutch, French, English
//! or German. After the idle timeout without a touch it goes back to the loop and forgets the
//! visit. While the view covers the loop nothing counts as played: the play on screen ends
//! there, and the loop goes on with the next item when the view closes.
//!
//! - `texts.rs`: the view's words in four languages, dates and opening hours.
//! - `view.rs`: the view's pages, built again whenever something on them changes.
//! - `search.rs`: the on-screen keyboard and matching services by word.
//! - `pictures.rs`: posters, the map and QR codes, decoded off the frame loop.
//! - `session.rs`: the anonymous record of a visit, queued with proof of play.
//!
//! Every touch target is at least [`TOUCH_TARGET_MIN_MM`] on the glass, from the diagonal staff
//! set. Buttons carry the [`KioskAction`] they do; tests send the same actions.

pub mod pictures;
pub mod search;
pub mod session;
pub mod texts;
pub mod view;

use std::time::Duration;

use bevy::input::touch::Touches;
use bevy::prelude::*;
use bevy::window::RequestRedraw;
use civicast_shared::api::device::Manifest;
use civicast_shared::api::events::{AudienceSegment, EventCategory};
use civicast_shared::api::kiosk::{KioskContent, KioskLanguage, KioskPage, TOUCH_TARGET_MIN_MM};
use civicast_shared::api::places::ScreenKind;
use uuid::Uuid;

use crate::Step;
use crate::playback::{Playback, WallClock};
use crate::proof::PlayLog;
use crate::proof::recorder::{Moment, PlayEnded};
use session::SessionLog;

/// The three sections of the top bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    WhatsOn,
    Map,
    Services,
}

/// The days a visitor can narrow the agenda to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayFilter {
    Today,
    Weekend,
    Week,
}

/// The page the view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Page {
    WhatsOn,
    Event(Uuid),
    Map,
    Services,
    Service(Uuid),
}

impl Page {
    pub fn section(self) -> Section {
        match self {
            Page::WhatsOn | Page::Event(_) => Section::WhatsOn,
            Page::Map => Section::Map,
            Page::Services | Page::Service(_) => Section::Services,
        }
    }

    fn counted_as(self) -> KioskPage {
        match self {
            Page::WhatsOn => KioskPage::WhatsOn,
            Page::Event(_) => KioskPage::Event,
            Page::Map => KioskPage::Map,
            Page::Services => KioskPage::Services,
            Page::Service(_) => KioskPage::Service,
        }
    }
}

/// What a touch asks for; every button carries one (see [`KioskButton`]).
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub enum KioskAction {
    /// A touch on the attract loop: the view opens on what's on.
    Open,
    /// A touch beside the buttons: someone is still there.
    Touch,
    Section(Section),
    Language(KioskLanguage),
    Day(Option<DayFilter>),
    Category(Option<EventCategory>),
    Audience(Option<AudienceSegment>),
    /// A page of the agenda's list, from 0.
    ListPage(usize),
    OpenEvent(Uuid),
    ShowQr,
    HideQr,
    Key(char),
    Backspace,
    ClearSearch,
    OpenService(Uuid),
    Back,
    /// Back to the loop now, as the idle timeout would.
    Close,
}

/// A touch target and what it does.
#[derive(Component, Debug, Clone)]
pub struct KioskButton(pub KioskAction);

/// The kiosk view's state: everything a visitor chose, forgotten when the view closes.
#[derive(Resource, Debug, Clone)]
pub struct Kiosk {
    open: bool,
    pub language: KioskLanguage,
    pub page: Page,
    /// A QR code shown large over the page.
    pub qr: bool,
    pub day: Option<DayFilter>,
    pub category: Option<EventCategory>,
    pub audience: Option<AudienceSegment>,
    pub list_page: usize,
    /// What the visitor typed on the on-screen keyboard (never recorded).
    pub query: String,
    /// The last touch, on the app's clock (changed without marking the view for a redraw).
    last_touch: Duration,
    session: Option<SessionLog>,
}

impl Default for Kiosk {
    fn default() -> Self {
        Kiosk {
            open: false,
            language: KioskLanguage::Dutch,
            page: Page::WhatsOn,
            qr: false,
            day: None,
            category: None,
            audience: None,
            list_page: 0,
            query: String::new(),
            last_touch: Duration::ZERO,
            session: None,
        }
    }
}

impl Kiosk {
    /// Whether the view is open (and covers the loop).
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// How long the app may sleep before the idle timeout must close the view.
    pub fn wake_in(&self, now: Duration, idle: Duration) -> Option<Duration> {
        self.open
            .then(|| (self.last_touch + idle).saturating_sub(now))
    }

    fn go(&mut self, page: Page) {
        self.page = page;
        self.qr = false;
        if let Some(session) = self.session.as_mut() {
            match page {
                Page::Event(id) => session.event(id),
                other => session.page(other.counted_as()),
            }
        }
    }
}

/// The kiosk content of the manifest playing, when this screen is a kiosk.
pub fn content_of(manifest: &Manifest) -> Option<&KioskContent> {
    (manifest.kind == ScreenKind::Kiosk)
        .then_some(manifest.kiosk.as_ref())
        .flatten()
}

/// The idle timeout of `content`.
pub fn idle_of(content: &KioskContent) -> Duration {
    Duration::from_secs(u64::from(content.idle_timeout_s.max(1)))
}

/// The smallest touch target in pixels on a screen of `size` with this diagonal.
pub fn min_target_px(size: UVec2, diagonal_mm: u32) -> f32 {
    civicast_shared::api::kiosk::pixels_per_mm(size.x, size.y, diagonal_mm) * TOUCH_TARGET_MIN_MM
}

/// Whether the kiosk view covers the loop (the loop waits behind it).
pub fn covers_loop(kiosk: Res<Kiosk>) -> bool {
    kiosk.open
}

pub fn plugin(app: &mut App) {
    app.init_resource::<Kiosk>()
        .init_resource::<pictures::KioskPictures>()
        .add_message::<KioskAction>()
        .add_systems(
            Update,
            (read_touches, apply_actions, close_when_idle)
                .chain()
                .in_set(Step::Decide)
                .before(crate::display_hours::check_hours),
        )
        .add_systems(
            Update,
            (pictures::receive, view::draw).chain().in_set(Step::Show),
        );
}

/// A touch or a left click: on the attract loop it opens the view; on a button it does what the
/// button says. Any touch keeps the view open.
fn read_touches(
    mouse: Option<Res<ButtonInput<MouseButton>>>,
    touches: Option<Res<Touches>>,
    buttons: Query<(&Interaction, &KioskButton), Changed<Interaction>>,
    playback: Res<Playback>,
    kiosk: Res<Kiosk>,
    mut actions: MessageWriter<KioskAction>,
) {
    let pressed = mouse.is_some_and(|m| m.just_pressed(MouseButton::Left))
        || touches.is_some_and(|t| t.any_just_pressed());
    if !pressed || playback.manifest().and_then(content_of).is_none() {
        return;
    }
    if !kiosk.open {
        actions.write(KioskAction::Open);
        return;
    }
    let mut any = false;
    for (interaction, button) in &buttons {
        if *interaction == Interaction::Pressed {
            actions.write(button.0.clone());
            any = true;
        }
    }
    if !any {
        // A touch beside the buttons still says someone is there.
        actions.write(KioskAction::Touch);
    }
}

/// The session's clock and where it goes when it ends.
#[derive(bevy::ecs::system::SystemParam)]
struct Visit<'w> {
    time: Res<'w, Time<Real>>,
    clock: Res<'w, WallClock>,
    log: Res<'w, PlayLog>,
    playback: ResMut<'w, Playback>,
    ended: MessageWriter<'w, PlayEnded>,
    redraw: MessageWriter<'w, RequestRedraw>,
}

impl Visit<'_> {
    /// The view opens over the loop: the play on screen ends where it is covered.
    fn open(&mut self, kiosk: &mut Kiosk) {
        let Some(screen_id) = self.playback.screen_id() else {
            return;
        };
        let at = Moment::now(&self.time, *self.clock);
        if self.playback.cover() {
            self.ended.write(PlayEnded { at });
        }
        *kiosk = Kiosk {
            open: true,
            last_touch: at.elapsed,
            session: Some(SessionLog::start(screen_id, at.wall, KioskPage::WhatsOn)),
            ..Kiosk::default()
        };
        self.redraw.write(RequestRedraw);
    }

    /// Back to the loop: the visit is recorded and forgotten.
    fn close(&mut self, kiosk: &mut Kiosk) {
        let at = Moment::now(&self.time, *self.clock);
        if let Some(session) = kiosk.session.take() {
            let record = session.finish(at.wall, kiosk.language, self.log.clock_offset_ms());
            self.log.record_session(record);
        }
        *kiosk = Kiosk::default();
        self.redraw.write(RequestRedraw);
    }
}

fn apply_actions(
    mut actions: MessageReader<KioskAction>,
    mut kiosk: ResMut<Kiosk>,
    mut visit: Visit,
) {
    let content = visit.playback.manifest().and_then(content_of).cloned();
    let Some(content) = content else {
        actions.clear();
        if kiosk.open {
            // The screen is no kiosk any more.
            visit.close(&mut kiosk);
        }
        return;
    };
    for action in actions.read() {
        if !kiosk.open {
            if *action == KioskAction::Open {
                visit.open(&mut kiosk);
            }
            continue;
        }
        kiosk.bypass_change_detection().last_touch = visit.time.elapsed();
        match action.clone() {
            KioskAction::Open | KioskAction::Touch => {}
            KioskAction::Section(section) => {
                let page = match section {
                    Section::WhatsOn => Page::WhatsOn,
                    Section::Map => Page::Map,
                    Section::Services => Page::Services,
                };
                if kiosk.page != page {
                    kiosk.go(page);
                }
            }
            KioskAction::Language(language) => {
                if kiosk.language != language {
                    kiosk.language = language;
                }
            }
            KioskAction::Day(day) => {
                kiosk.day = day;
                kiosk.list_page = 0;
            }
            KioskAction::Category(category) => {
                kiosk.category = category;
                kiosk.list_page = 0;
            }
            KioskAction::Audience(audience) => {
                kiosk.audience = audience;
                kiosk.list_page = 0;
            }
            KioskAction::ListPage(page) => kiosk.list_page = page,
            KioskAction::OpenEvent(id) => {
                if content.events.iter().any(|event| event.id == id) {
                    kiosk.go(Page::Event(id));
                }
            }
            KioskAction::ShowQr => {
                kiosk.qr = true;
                if let Some(session) = kiosk.session.as_mut() {
                    session.qr_shown();
                }
            }
            KioskAction::HideQr => kiosk.qr = false,
            KioskAction::Key(letter) => {
                let starts = kiosk.query.trim().is_empty() && !letter.is_whitespace();
                if kiosk.query.chars().count() < search::QUERY_MAX
                    && !(letter == ' ' && kiosk.query.ends_with(' '))
                {
                    kiosk.query.push(letter);
                }
                if starts && let Some(session) = kiosk.session.as_mut() {
                    // A new search begins with its first letter.
                    session.searched();
                }
            }
            KioskAction::Backspace => {
                kiosk.query.pop();
            }
            KioskAction::ClearSearch => kiosk.query.clear(),
            KioskAction::OpenService(id) => {
                if content.services.iter().any(|service| service.id == id) {
                    kiosk.go(Page::Service(id));
                }
            }
            KioskAction::Back => match kiosk.page {
                Page::Event(_) => kiosk.go(Page::WhatsOn),
                Page::Service(_) => kiosk.go(Page::Services),
                _ => {}
            },
            KioskAction::Close => {
                visit.close(&mut kiosk);
            }
        }
    }
}

/// After the idle timeout without a touch the view closes: back to the loop, visit forgotten.
fn close_when_idle(mut kiosk: ResMut<Kiosk>, mut visit: Visit) {
    if !kiosk.open {
        return;
    }
    let idle = visit.playback.manifest().and_then(content_of).map(idle_of);
    let Some(idle) = idle else {
        return;
    };
    if kiosk.wake_in(visit.time.elapsed(), idle) == Some(Duration::ZERO) {
        visit.close(&mut kiosk);
    }
}
