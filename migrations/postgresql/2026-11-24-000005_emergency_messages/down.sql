DROP TABLE emergency_messages;
