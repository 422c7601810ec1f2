-- crafted (issue 12): a schema-2 inventory (hosts.uuid, host_history) whose
-- user_version says 1: migrating it would add hosts.uuid a second time
PRAGMA application_id = 1835492200;
PRAGMA user_version = 1;
CREATE TABLE profiles (pid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE CHECK (length(id) = 64), arch TEXT NOT NULL DEFAULT '', kernel TEXT NOT NULL DEFAULT '', nfacts INTEGER NOT NULL, created TEXT NOT NULL);
CREATE TABLE facts (fid INTEGER PRIMARY KEY, domain TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, UNIQUE (domain, key, value));
CREATE TABLE profile_facts (pid INTEGER NOT NULL REFERENCES profiles (pid) ON DELETE CASCADE, fid INTEGER NOT NULL REFERENCES facts (fid), PRIMARY KEY (pid, fid)) WITHOUT ROWID;
CREATE TABLE hosts (name TEXT PRIMARY KEY, pid INTEGER NOT NULL REFERENCES profiles (pid), probed_at TEXT NOT NULL, source TEXT NOT NULL, uuid TEXT);
CREATE TABLE host_history (name TEXT NOT NULL, pid INTEGER NOT NULL REFERENCES profiles (pid), probed_at TEXT NOT NULL, PRIMARY KEY (name, probed_at, pid)) WITHOUT ROWID;
