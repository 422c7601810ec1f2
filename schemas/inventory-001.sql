-- migcheck inventory, schema version 1: hosts -> profiles -> facts.
-- Facts are stored once across all profiles (profile_facts links them).
CREATE TABLE profiles (
	pid INTEGER PRIMARY KEY,
	id TEXT NOT NULL UNIQUE CHECK (length(id) = 64),
	arch TEXT NOT NULL DEFAULT '',
	kernel TEXT NOT NULL DEFAULT '',
	nfacts INTEGER NOT NULL,
	created TEXT NOT NULL
);
CREATE TABLE facts (
	fid INTEGER PRIMARY KEY,
	domain TEXT NOT NULL,
	key TEXT NOT NULL,
	value TEXT NOT NULL,
	UNIQUE (domain, key, value)
);
CREATE TABLE profile_facts (
	pid INTEGER NOT NULL REFERENCES profiles (pid) ON DELETE CASCADE,
	fid INTEGER NOT NULL REFERENCES facts (fid),
	PRIMARY KEY (pid, fid)
) WITHOUT ROWID;
CREATE TABLE hosts (
	name TEXT PRIMARY KEY,
	pid INTEGER NOT NULL REFERENCES profiles (pid),
	probed_at TEXT NOT NULL,
	source TEXT NOT NULL
);
