-- crafted: a host name stored as a blob (sqlite keeps any type in any column)
PRAGMA application_id = 1835492200;
PRAGMA user_version = 2;
CREATE TABLE profiles (pid INTEGER PRIMARY KEY, id TEXT, arch TEXT, kernel TEXT, nfacts INTEGER, created TEXT);
CREATE TABLE facts (fid INTEGER PRIMARY KEY, domain TEXT, key TEXT, value TEXT);
CREATE TABLE profile_facts (pid INTEGER, fid INTEGER);
CREATE TABLE hosts (name TEXT, pid INTEGER, probed_at TEXT, source TEXT, uuid TEXT);
CREATE TABLE host_history (name TEXT, pid INTEGER, probed_at TEXT);
INSERT INTO hosts VALUES (X'00ff', 1, '2026-01-01T00:00:00Z', 'import', NULL);
