-- crafted (issue 12): a schema-2 inventory whose tables were made without
-- their constraints, with a NULL profile id (report and gate crashed on it)
PRAGMA application_id = 1835492200;
PRAGMA user_version = 2;
CREATE TABLE profiles (pid INTEGER PRIMARY KEY, id TEXT, arch TEXT, kernel TEXT, nfacts INTEGER, created TEXT);
CREATE TABLE facts (fid INTEGER PRIMARY KEY, domain TEXT, key TEXT, value TEXT);
CREATE TABLE profile_facts (pid INTEGER, fid INTEGER);
CREATE TABLE hosts (name TEXT, pid INTEGER, probed_at TEXT, source TEXT, uuid TEXT);
CREATE TABLE host_history (name TEXT, pid INTEGER, probed_at TEXT);
INSERT INTO profiles VALUES (1, NULL, 'x86_64', '6.1.0-27-amd64', 1, '2026-01-01T00:00:00Z');
INSERT INTO facts VALUES (1, 'kernel', 'arch', 'x86_64');
INSERT INTO profile_facts VALUES (1, 1);
INSERT INTO hosts VALUES ('h1', 1, '2026-01-01T00:00:00Z', 'import', NULL);
