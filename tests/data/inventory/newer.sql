-- a migcheck inventory written by a future version
PRAGMA application_id = 1835492200;
PRAGMA user_version = 99;
CREATE TABLE hosts (name TEXT PRIMARY KEY, future TEXT);
