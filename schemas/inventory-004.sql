-- migcheck inventory, schema version 4: what a fleet answer reads at once
-- (issue 15).
-- profile_canon holds a profile's facts as one value, its canonical text
-- (mc_facts_canonical: "DOMAIN\tKEY\tVALUE\n" lines, sorted), whose SHA-256
-- is profiles.id: a profile loads from one row instead of a row per fact,
-- checked against its id as before. A profile without a row (a file changed
-- by hand) loads from profile_facts. The migration fills it from
-- profile_facts (db/inventory.c, db_fill_canon). Its own table, not a column
-- of profiles: a 15 KB value in each profiles row would make every scan of
-- profiles read a page per row.
-- hosts_pid_name lists a profile's hosts by name from the index alone, for
-- `targets`, which reads only the hosts of the classes it can use; it
-- replaces hosts_pid, which it covers.
CREATE TABLE profile_canon (
	pid INTEGER PRIMARY KEY REFERENCES profiles (pid),
	canon BLOB NOT NULL
);
DROP INDEX IF EXISTS hosts_pid;
CREATE INDEX hosts_pid_name ON hosts (pid, name);
