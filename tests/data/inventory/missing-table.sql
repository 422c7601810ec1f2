-- crafted: migcheck's application id and schema version 2, but no tables
-- other than hosts
PRAGMA application_id = 1835492200;
PRAGMA user_version = 2;
CREATE TABLE hosts (name TEXT, pid INTEGER, probed_at TEXT, source TEXT, uuid TEXT);
