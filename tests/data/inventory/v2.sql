-- an inventory as migcheck schema 2 wrote it (before stored migration classes):
-- written by 'migcheck import' (b0301de) of three profiles, then dumped; a and
-- b differ only in KVM_CAP_NR_VCPUS (no rule reads it: one class), c in the
-- kernel release (read: another class). Times fixed by hand.
PRAGMA application_id = 1835492200;
CREATE TABLE profiles (
	pid INTEGER PRIMARY KEY,
	id TEXT NOT NULL UNIQUE CHECK (length(id) = 64),
	arch TEXT NOT NULL DEFAULT '',
	kernel TEXT NOT NULL DEFAULT '',
	nfacts INTEGER NOT NULL,
	created TEXT NOT NULL
);
INSERT INTO profiles VALUES(1,'2f068bf097ab0dcd6b0ce8d5bed47ae8b54b797974b5f41b9b7db037e8575f4f','x86_64','6.1.0-27-amd64',3,'2026-01-01T00:00:00Z');
INSERT INTO profiles VALUES(2,'ffc79a040bd52c060c548f23b4e5e8e0611938b035fefa430689f2135002efae','x86_64','6.1.0-27-amd64',3,'2026-01-01T00:00:00Z');
INSERT INTO profiles VALUES(3,'790245a195e0d0224695f232b3565fbc28805ed7be5a8a3ef1038d68f35df15d','x86_64','6.12.0-1-amd64',3,'2026-01-01T00:00:00Z');
CREATE TABLE facts (
	fid INTEGER PRIMARY KEY,
	domain TEXT NOT NULL,
	key TEXT NOT NULL,
	value TEXT NOT NULL,
	UNIQUE (domain, key, value)
);
INSERT INTO facts VALUES(1,'kernel','arch','x86_64');
INSERT INTO facts VALUES(2,'kernel','release','6.1.0-27-amd64');
INSERT INTO facts VALUES(3,'kvm.cap','KVM_CAP_NR_VCPUS','1');
INSERT INTO facts VALUES(4,'kvm.cap','KVM_CAP_NR_VCPUS','2');
INSERT INTO facts VALUES(5,'kernel','release','6.12.0-1-amd64');
CREATE TABLE profile_facts (
	pid INTEGER NOT NULL REFERENCES profiles (pid) ON DELETE CASCADE,
	fid INTEGER NOT NULL REFERENCES facts (fid),
	PRIMARY KEY (pid, fid)
) WITHOUT ROWID;
INSERT INTO profile_facts VALUES(1,1);
INSERT INTO profile_facts VALUES(1,2);
INSERT INTO profile_facts VALUES(1,3);
INSERT INTO profile_facts VALUES(2,1);
INSERT INTO profile_facts VALUES(2,2);
INSERT INTO profile_facts VALUES(2,4);
INSERT INTO profile_facts VALUES(3,1);
INSERT INTO profile_facts VALUES(3,3);
INSERT INTO profile_facts VALUES(3,5);
CREATE TABLE hosts (
	name TEXT PRIMARY KEY,
	pid INTEGER NOT NULL REFERENCES profiles (pid),
	probed_at TEXT NOT NULL,
	source TEXT NOT NULL
, uuid TEXT);
INSERT INTO hosts VALUES('a1',1,'2026-01-01T00:00:00Z','import a.facts',NULL);
INSERT INTO hosts VALUES('a2',2,'2026-01-02T00:00:00Z','import b.facts',NULL);
INSERT INTO hosts VALUES('b1',3,'2026-01-01T00:00:00Z','import c.facts',NULL);
INSERT INTO hosts VALUES('b2',1,'2026-01-02T00:00:00Z','import a.facts',NULL);
CREATE TABLE host_history (
	name TEXT NOT NULL,
	pid INTEGER NOT NULL REFERENCES profiles (pid),
	probed_at TEXT NOT NULL,
	PRIMARY KEY (name, probed_at, pid)
) WITHOUT ROWID;
INSERT INTO host_history VALUES('a1',1,'2026-01-01T00:00:00Z');
INSERT INTO host_history VALUES('a2',2,'2026-01-02T00:00:00Z');
INSERT INTO host_history VALUES('b1',3,'2026-01-01T00:00:00Z');
INSERT INTO host_history VALUES('b2',1,'2026-01-02T00:00:00Z');
CREATE INDEX hosts_uuid ON hosts (uuid);
CREATE INDEX hosts_pid ON hosts (pid);
PRAGMA user_version = 2;
