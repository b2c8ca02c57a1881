//! The kiosk view's pictures: posters (small in the agenda, large on an event's page) and the
//! map, read from the media cache, hash-checked and decoded on a thread of their own, so a touch
//! never waits on a decode; and QR codes, drawn at once. Everything is forgotten when the view
//! closes.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, Sender};

use bevy::prelude::*;
use bevy::window::RequestRedraw;

use crate::playback::CacheDir;
use crate::playback::prepare::{Pixels, load_verified};
use crate::sync::AppWaker;

use super::Kiosk;

/// A picture at one size: its SHA-256 and the side (in pixels) it is decoded to cover.
pub type PictureKey = (String, u32);

type Decoded = (PictureKey, Option<Pixels>);

#[derive(Resource)]
pub struct KioskPictures {
    ready: HashMap<PictureKey, (Handle<Image>, UVec2)>,
    asked: HashSet<PictureKey>,
    failed: HashSet<PictureKey>,
    qr_codes: HashMap<String, Handle<Image>>,
    sender: Sender<Decoded>,
    receiver: Mutex<Receiver<Decoded>>,
}

impl Default for KioskPictures {
    fn default() -> Self {
        let (sender, receiver) = mpsc::channel();
        KioskPictures {
            ready: HashMap::new(),
            asked: HashSet::new(),
            failed: HashSet::new(),
            qr_codes: HashMap::new(),
            sender,
            receiver: Mutex::new(receiver),
        }
    }
}

impl KioskPictures {
    /// The picture when it is decoded.
    pub fn get(&self, sha256: &str, side: u32) -> Option<(Handle<Image>, UVec2)> {
        self.ready.get(&(sha256.to_owned(), side)).cloned()
    }

    /// Whether a picture asked for is still being decoded.
    pub fn waiting(&self) -> bool {
        self.asked
            .iter()
            .any(|key| !self.ready.contains_key(key) && !self.failed.contains(key))
    }

    /// The QR code of `link`, once made by [`KioskPictures::ask`].
    pub fn qr(&self, link: &str) -> Option<Handle<Image>> {
        self.qr_codes.get(link).cloned()
    }

    /// Starts decoding the pictures a page wants that are not there yet; makes its QR codes.
    pub fn ask(
        &mut self,
        wanted: &[PictureKey],
        links: &[String],
        cache: Option<&CacheDir>,
        waker: Option<&AppWaker>,
        images: &mut Assets<Image>,
    ) {
        for link in links {
            if !self.qr_codes.contains_key(link)
                && let Some(image) = crate::render::qr::qr_image(link)
            {
                self.qr_codes.insert(link.clone(), images.add(image));
            }
        }
        let Some(cache) = cache else {
            return;
        };
        for key in wanted {
            if self.ready.contains_key(key) || !self.asked.insert(key.clone()) {
                continue;
            }
            let path = cache.0.join(&key.0);
            let key = key.clone();
            let sender = self.sender.clone();
            let wake = waker.map(|waker| std::sync::Arc::clone(&waker.0));
            let spawned = std::thread::Builder::new()
                .name("kiosk-picture".into())
                .spawn(move || {
                    let pixels = match load_verified(&path, &key.0, (key.1, key.1)) {
                        Ok(pixels) => Some(pixels),
                        Err(error) => {
                            warn!("a kiosk picture cannot be shown: {error}");
                            None
                        }
                    };
                    let _ = sender.send((key, pixels));
                    if let Some(wake) = wake {
                        wake();
                    }
                });
            if let Err(error) = spawned {
                warn!("cannot decode a kiosk picture: {error}");
            }
        }
    }

    /// Forgets every picture (the visit is over).
    fn forget(&mut self) {
        self.ready.clear();
        self.asked.clear();
        self.failed.clear();
        self.qr_codes.clear();
    }
}

/// Takes in decoded pictures; the view is built again when one arrived.
pub fn receive(
    mut pictures: ResMut<KioskPictures>,
    mut images: ResMut<Assets<Image>>,
    kiosk: Res<Kiosk>,
    mut was_open: Local<bool>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    if *was_open && !kiosk.is_open() {
        pictures.forget();
    }
    *was_open = kiosk.is_open();
    let arrived: Vec<Decoded> = match pictures.bypass_change_detection().receiver.lock() {
        Ok(receiver) => receiver.try_iter().collect(),
        Err(_) => return,
    };
    if arrived.is_empty() {
        return;
    }
    for (key, pixels) in arrived {
        // A picture that cannot be decoded stays asked: the page shows without it.
        match pixels {
            Some(pixels) => {
                let size = UVec2::new(pixels.width, pixels.height);
                let handle = images.add(pixels.into_image());
                pictures.ready.insert(key, (handle, size));
            }
            None => {
                pictures.failed.insert(key);
            }
        }
    }
    redraw.write(RequestRedraw);
}
