-- an inventory written by migcheck schema 1 (before host UUIDs and history)
PRAGMA application_id = 1835492200;
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
INSERT INTO profiles VALUES (1, '0b07d268162b69f1388e9c2334515918d758bc16b9641788fe8478b0dcc2ee3a', 'x86_64', '6.1.0-27-amd64', 3, '2026-01-01T00:00:00Z');
INSERT INTO facts VALUES (1, 'kernel', 'arch', 'x86_64');
INSERT INTO facts VALUES (2, 'kernel', 'release', '6.1.0-27-amd64');
INSERT INTO facts VALUES (3, 'kvm.cap', 'KVM_CAP_IRQCHIP', '1');
INSERT INTO profile_facts VALUES (1, 1), (1, 2), (1, 3);
INSERT INTO hosts VALUES ('alpha', 1, '2026-01-01T00:00:00Z', 'probe');
INSERT INTO hosts VALUES ('beta', 1, '2026-01-02T00:00:00Z', 'import beta.facts');
PRAGMA user_version = 1;
