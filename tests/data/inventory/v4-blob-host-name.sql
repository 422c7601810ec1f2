-- crafted: a schema-4 inventory (the current one: a reader's open does not
-- migrate it) whose tables were made without their constraints, with a host
-- name stored as a blob. A writer's open checks every host row and refuses
-- it; a reader's open checks the profiles only and the host row as it reads
-- it (db/inventory.c column_rules): listing the hosts fails with 65.
PRAGMA application_id = 1835492200;
PRAGMA user_version = 4;
CREATE TABLE profiles (pid INTEGER PRIMARY KEY, id TEXT, arch TEXT, kernel TEXT, nfacts INTEGER, created TEXT, class TEXT);
CREATE TABLE facts (fid INTEGER PRIMARY KEY, domain TEXT, key TEXT, value TEXT, reads INTEGER);
CREATE TABLE profile_facts (pid INTEGER, fid INTEGER);
CREATE TABLE hosts (name TEXT, pid INTEGER, probed_at TEXT, source TEXT, uuid TEXT);
CREATE TABLE host_history (name TEXT, pid INTEGER, probed_at TEXT);
CREATE TABLE profile_canon (pid INTEGER, canon BLOB);
INSERT INTO profiles VALUES (1, '0b07d268162b69f1388e9c2334515918d758bc16b9641788fe8478b0dcc2ee3a', 'x86_64', '6.1.0-27-amd64', 3, '2026-01-01T00:00:00Z', NULL);
INSERT INTO facts VALUES (1, 'kernel', 'arch', 'x86_64', NULL);
INSERT INTO facts VALUES (2, 'kernel', 'release', '6.1.0-27-amd64', NULL);
INSERT INTO facts VALUES (3, 'kvm.cap', 'KVM_CAP_IRQCHIP', '1', NULL);
INSERT INTO profile_facts VALUES (1, 1), (1, 2), (1, 3);
INSERT INTO profile_canon VALUES (1, CAST('kernel' || char(9) || 'arch' || char(9) || 'x86_64' || char(10) || 'kernel' || char(9) || 'release' || char(9) || '6.1.0-27-amd64' || char(10) || 'kvm.cap' || char(9) || 'KVM_CAP_IRQCHIP' || char(9) || '1' || char(10) AS BLOB));
INSERT INTO hosts VALUES ('alpha', 1, '2026-01-01T00:00:00Z', 'import', NULL);
INSERT INTO hosts VALUES (X'00ff', 1, '2026-01-01T00:00:00Z', 'import', NULL);
