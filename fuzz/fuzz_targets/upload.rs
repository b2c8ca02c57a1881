//! An uploaded file as the media store checks it: its type found from its content, its size read
//! from its header before anything is decoded, and the whole image decoded within limits.
#![no_main]

use std::io::Write;

use civicast_server::core::media::inspect_image;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    file.write_all(data).expect("written");
    // 4 megapixels: large enough for real images, small enough to keep each run quick.
    if let Ok(image) = inspect_image(file.path(), Some("image/png"), 4_000_000) {
        let (width, height) = (image.width, image.height);
        assert!(width > 0 && height > 0 && u64::from(width) * u64::from(height) <= 4_000_000);
        assert_eq!((image.image.width(), image.image.height()), (width, height));
        // And the renditions made from it.
        for rendition in civicast_server::core::media::renditions::render(&image.image).unwrap() {
            assert!(rendition.width <= 1920 && rendition.height <= 1920);
        }
    }
    let _ = inspect_image(file.path(), None, 4_000_000);
});
