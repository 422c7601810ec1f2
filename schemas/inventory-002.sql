-- migcheck inventory, schema version 2: host identity and history.
-- hosts.uuid lets libvirt integration find a host by its host UUID;
-- host_history keeps every profile a host has had (gate: "today's fleet").
ALTER TABLE hosts ADD COLUMN uuid TEXT;
CREATE INDEX hosts_uuid ON hosts (uuid);
CREATE INDEX hosts_pid ON hosts (pid);
CREATE TABLE host_history (
	name TEXT NOT NULL,
	pid INTEGER NOT NULL REFERENCES profiles (pid),
	probed_at TEXT NOT NULL,
	PRIMARY KEY (name, probed_at, pid)
) WITHOUT ROWID;
INSERT INTO host_history (name, pid, probed_at) SELECT name, pid, probed_at FROM hosts;
