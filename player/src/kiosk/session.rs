//! One visitor's session, from the first touch to the idle timeout: which pages opened, which
//! events were looked at, how often a QR code was shown and how many searches were made. Never
//! what was typed, nor anything else about the person.

use chrono::{DateTime, Utc};
use civicast_shared::api::kiosk::{
    KIOSK_SESSION_PAGES_MAX, KioskLanguage, KioskPage, KioskSession,
};
use uuid::Uuid;

/// A session being recorded.
#[derive(Debug, Clone)]
pub struct SessionLog {
    record: KioskSession,
}

impl SessionLog {
    pub fn start(screen_id: Uuid, at: DateTime<Utc>, first_page: KioskPage) -> SessionLog {
        let mut log = SessionLog {
            record: KioskSession {
                id: Uuid::now_v7(),
                screen_id,
                started_at: at,
                ended_at: at,
                clock_offset_ms: 0,
                language: KioskLanguage::Dutch,
                pages: Vec::new(),
                events_viewed: Vec::new(),
                qr_shown: 0,
                searches: 0,
            },
        };
        log.page(first_page);
        log
    }

    pub fn page(&mut self, page: KioskPage) {
        if self.record.pages.len() < KIOSK_SESSION_PAGES_MAX {
            self.record.pages.push(page);
        }
    }

    /// An event's page opened: counted once per session, however often it is opened.
    pub fn event(&mut self, id: Uuid) {
        self.page(KioskPage::Event);
        if !self.record.events_viewed.contains(&id)
            && self.record.events_viewed.len() < KIOSK_SESSION_PAGES_MAX
        {
            self.record.events_viewed.push(id);
        }
    }

    pub fn qr_shown(&mut self) {
        self.record.qr_shown = self.record.qr_shown.saturating_add(1);
    }

    pub fn searched(&mut self) {
        self.record.searches = self.record.searches.saturating_add(1);
    }

    /// The finished record, ended at `at` in `language`, stamped with the clock offset.
    pub fn finish(
        self,
        at: DateTime<Utc>,
        language: KioskLanguage,
        clock_offset_ms: i64,
    ) -> KioskSession {
        let mut record = self.record;
        record.ended_at = at.max(record.started_at);
        record.language = language;
        record.clock_offset_ms = clock_offset_ms;
        record
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_counts_each_event_once_and_keeps_the_pages_in_order() {
        let start = Utc::now();
        let event = Uuid::now_v7();
        let mut log = SessionLog::start(Uuid::now_v7(), start, KioskPage::WhatsOn);
        log.event(event);
        log.qr_shown();
        log.page(KioskPage::WhatsOn);
        log.event(event);
        log.page(KioskPage::Services);
        log.searched();
        let record = log.finish(
            start + chrono::Duration::seconds(40),
            KioskLanguage::French,
            -120,
        );
        assert_eq!(
            record.pages,
            [
                KioskPage::WhatsOn,
                KioskPage::Event,
                KioskPage::WhatsOn,
                KioskPage::Event,
                KioskPage::Services
            ]
        );
        assert_eq!(record.events_viewed, [event]);
        assert_eq!((record.qr_shown, record.searches), (1, 1));
        assert_eq!(record.language, KioskLanguage::French);
        assert_eq!(record.id.get_version_num(), 7);
        assert!(record.refusal().is_none());
    }
}
