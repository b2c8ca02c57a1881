//! The one portable diesel schema for both backends; it mirrors `migrations/{sqlite,postgresql}`.

diesel::table! {
    organisations (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        contact_name -> Text,
        contact_email -> Text,
        description -> Text,
        verified -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        requested_name -> Nullable<Text>,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        organisation_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        language -> Text,
        disabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    auth_tokens (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        kind -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    buildings (id) {
        id -> Text,
        name -> Text,
        address -> Text,
        time_zone -> Text,
        venue_type -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        display_hours -> Nullable<Text>,
        opening_hours -> Nullable<Text>,
    }
}

diesel::table! {
    playlists (id) {
        id -> Text,
        building_id -> Text,
        name -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    screens (id) {
        id -> Text,
        building_id -> Text,
        playlist_id -> Nullable<Text>,
        name -> Text,
        kind -> Text,
        width -> Integer,
        height -> Integer,
        orientation -> Text,
        token_hash -> Nullable<Text>,
        last_seen_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        player_version -> Nullable<Text>,
        now_playing_item_id -> Nullable<Text>,
        manifest_etag -> Nullable<Text>,
        cache_bytes -> Nullable<BigInt>,
        cache_files -> Nullable<Integer>,
        output_width -> Nullable<Integer>,
        output_height -> Nullable<Integer>,
        uptime_s -> Nullable<BigInt>,
        status_at -> Nullable<Timestamp>,
        screenshot_requested_at -> Nullable<Timestamp>,
        unplayable -> Nullable<Text>,
    }
}

diesel::table! {
    screen_alerts (id) {
        id -> Text,
        screen_id -> Text,
        offline_since -> Timestamp,
        raised_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    screen_screenshots (screen_id) {
        screen_id -> Text,
        taken_at -> Timestamp,
        width -> Integer,
        height -> Integer,
        jpeg -> Binary,
    }
}

diesel::table! {
    pairing_requests (code) {
        code -> Text,
        secret_hash -> Text,
        width -> Integer,
        height -> Integer,
        player_version -> Text,
        screen_id -> Nullable<Text>,
        screen_token -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    media_assets (id) {
        id -> Text,
        sha256 -> Text,
        organisation_id -> Nullable<Text>,
        uploaded_by -> Nullable<Text>,
        content_type -> Text,
        size_bytes -> BigInt,
        width -> Integer,
        height -> Integer,
        original_name -> Text,
        created_at -> Timestamp,
        duration_ms -> Nullable<Integer>,
        frame_rate -> Nullable<Double>,
        video_codec -> Nullable<Text>,
        audio_codec -> Nullable<Text>,
    }
}

diesel::table! {
    events (id) {
        id -> Text,
        organisation_id -> Text,
        created_by -> Nullable<Text>,
        title -> Text,
        description -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        venue -> Text,
        category -> Text,
        target_audiences -> Text,
        link -> Nullable<Text>,
        poster_media_id -> Nullable<Text>,
        requested_building_ids -> Text,
        status -> Text,
        approved_building_ids -> Text,
        promotion_from -> Nullable<Timestamp>,
        promotion_until -> Nullable<Timestamp>,
        moderation_note -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    event_decisions (id) {
        id -> Text,
        event_id -> Text,
        decision -> Text,
        reason -> Nullable<Text>,
        building_ids -> Text,
        promotion_from -> Nullable<Timestamp>,
        promotion_until -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
        decided_at -> Timestamp,
        snapshot -> Nullable<Text>,
    }
}

diesel::table! {
    playlist_items (id) {
        id -> Text,
        playlist_id -> Text,
        position -> Integer,
        kind -> Text,
        event_id -> Nullable<Text>,
        media_id -> Nullable<Text>,
        text -> Nullable<Text>,
        duration_ms -> Integer,
        fit -> Text,
        schedule -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sound -> Bool,
    }
}

diesel::table! {
    plays (id) {
        id -> Text,
        schema_version -> Integer,
        screen_id -> Text,
        seq -> BigInt,
        item_id -> Nullable<Text>,
        content_hash -> Nullable<Text>,
        owner -> Nullable<Text>,
        kind -> Text,
        started_at -> Timestamp,
        ended_at -> Timestamp,
        planned_ms -> BigInt,
        played_ms -> BigInt,
        clock_offset_ms -> BigInt,
        outcome -> Text,
        display_on -> Nullable<Bool>,
        player_version -> Text,
        received_at -> Timestamp,
        building_id -> Nullable<Text>,
        daypart -> Nullable<Text>,
        multiplier -> Nullable<Double>,
        multiplier_version -> Nullable<Integer>,
        impressions_est -> Nullable<Double>,
    }
}

diesel::table! {
    item_ledger (item_id) {
        item_id -> Text,
        building_id -> Text,
        kind -> Text,
        event_id -> Nullable<Text>,
        organisation_id -> Nullable<Text>,
        category -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audience_profiles (building_id, version) {
        building_id -> Text,
        version -> Integer,
        source -> Text,
        dayparts -> Text,
        audience_rows -> Text,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    play_hours (hour, screen_id, item_key, profile_version) {
        hour -> Timestamp,
        screen_id -> Text,
        item_key -> Text,
        profile_version -> Integer,
        building_id -> Text,
        kind -> Text,
        event_id -> Nullable<Text>,
        organisation_id -> Nullable<Text>,
        category -> Nullable<Text>,
        daypart -> Text,
        day_type -> Text,
        local_hour -> Integer,
        plays -> BigInt,
        complete -> BigInt,
        played_ms -> BigInt,
        impressions -> Double,
    }
}

diesel::table! {
    play_days (building_id, daypart, day_type, profile_version, day) {
        day -> Timestamp,
        building_id -> Text,
        daypart -> Text,
        day_type -> Text,
        profile_version -> Integer,
        plays -> BigInt,
        complete -> BigInt,
        played_ms -> BigInt,
        impressions -> Double,
    }
}

diesel::table! {
    play_months (building_id, daypart, day_type, profile_version, month) {
        month -> Timestamp,
        building_id -> Text,
        daypart -> Text,
        day_type -> Text,
        profile_version -> Integer,
        plays -> BigInt,
        complete -> BigInt,
        played_ms -> BigInt,
        impressions -> Double,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        at -> Timestamp,
        actor_user_id -> Nullable<Text>,
        actor -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        detail -> Text,
    }
}

diesel::table! {
    job_runs (job, due_at) {
        job -> Text,
        due_at -> Timestamp,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
    }
}

diesel::table! {
    emergency_messages (id) {
        id -> Text,
        text -> Text,
        building_id -> Nullable<Text>,
        media_id -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        cleared_at -> Nullable<Timestamp>,
        cleared_by -> Nullable<Text>,
    }
}

diesel::table! {
    media_renditions (source_sha256, kind) {
        source_sha256 -> Text,
        kind -> Text,
        sha256 -> Text,
        content_type -> Text,
        width -> Integer,
        height -> Integer,
        size_bytes -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    video_jobs (source_sha256) {
        source_sha256 -> Text,
        state -> Text,
        progress -> Integer,
        error -> Nullable<Text>,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        attempts -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    content_versions (name) {
        name -> Text,
        version -> BigInt,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        user_id -> Text,
        kind -> Text,
        notice -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
        digest -> Text,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Text,
        recipient -> Text,
        user_id -> Nullable<Text>,
        kind -> Text,
        language -> Text,
        notice -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claim -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notification_preferences (user_id, kind) {
        user_id -> Text,
        kind -> Text,
        delivery -> Text,
    }
}

diesel::table! {
    password_links (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        purpose -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    event_notices (event_id, notice) {
        event_id -> Text,
        notice -> Text,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    kiosk_settings (screen_id) {
        screen_id -> Text,
        idle_timeout_s -> Integer,
        diagonal_mm -> Integer,
        map_media_id -> Nullable<Text>,
        here_x -> Integer,
        here_y -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    kiosk_points (id) {
        id -> Text,
        screen_id -> Text,
        position -> Integer,
        name -> Text,
        x -> Integer,
        y -> Integer,
        directions -> Text,
        building_id -> Nullable<Text>,
    }
}

diesel::table! {
    city_services (id) {
        id -> Text,
        name -> Text,
        name_key -> Text,
        identifier -> Nullable<Text>,
        purpose -> Text,
        place -> Text,
        desk -> Nullable<Text>,
        hours -> Nullable<Text>,
        phone -> Nullable<Text>,
        web_url -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    agenda_visits (event_id, day) {
        event_id -> Text,
        day -> Timestamp,
        visits -> BigInt,
    }
}

diesel::table! {
    kiosk_sessions (id) {
        id -> Text,
        screen_id -> Text,
        building_id -> Text,
        started_at -> Timestamp,
        ended_at -> Timestamp,
        clock_offset_ms -> BigInt,
        duration_ms -> BigInt,
        language -> Text,
        pages -> Text,
        events_viewed -> Text,
        qr_shown -> Integer,
        searches -> Integer,
        daypart -> Text,
        day_type -> Text,
        received_at -> Timestamp,
    }
}

diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(notifications -> users (user_id));
diesel::joinable!(notification_preferences -> users (user_id));
diesel::joinable!(password_links -> users (user_id));
diesel::joinable!(event_notices -> events (event_id));
diesel::joinable!(auth_tokens -> users (user_id));
diesel::joinable!(playlists -> buildings (building_id));
diesel::joinable!(screens -> buildings (building_id));
diesel::joinable!(pairing_requests -> screens (screen_id));
diesel::joinable!(screen_screenshots -> screens (screen_id));
diesel::joinable!(screen_alerts -> screens (screen_id));
diesel::joinable!(emergency_messages -> media_assets (media_id));
diesel::joinable!(events -> organisations (organisation_id));
diesel::joinable!(event_decisions -> events (event_id));
diesel::joinable!(playlist_items -> playlists (playlist_id));
diesel::joinable!(playlist_items -> events (event_id));
diesel::joinable!(agenda_visits -> events (event_id));
diesel::joinable!(kiosk_settings -> screens (screen_id));
diesel::joinable!(kiosk_settings -> media_assets (map_media_id));
diesel::joinable!(kiosk_points -> buildings (building_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    users,
    auth_tokens,
    buildings,
    playlists,
    screens,
    pairing_requests,
    media_assets,
    video_jobs,
    events,
    event_decisions,
    playlist_items,
    plays,
    item_ledger,
    audience_profiles,
    play_hours,
    play_days,
    play_months,
    audit_log,
    job_runs,
    emergency_messages,
    screen_screenshots,
    screen_alerts,
    media_renditions,
    notifications,
    mail_outbox,
    notification_preferences,
    password_links,
    event_notices,
    kiosk_settings,
    kiosk_points,
    city_services,
    agenda_visits,
    kiosk_sessions,
);
