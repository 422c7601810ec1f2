PRAGMA application_id = 1179403647;
PRAGMA user_version = 2;
CREATE TABLE hosts (name TEXT);
