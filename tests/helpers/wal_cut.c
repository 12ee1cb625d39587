/* A power cut, as far as the database sees one: the last transaction in
 * the -wal file is dropped, as if its frames had been written but never
 * fsynced, and the -shm index goes (a reboot keeps neither).
 *   wal_cut DB     truncates DB-wal after the last commit frame but one
 * What it models: a relaxed commit (synchronous=NORMAL, store_begin_relaxed)
 * made after the last durable one is lost; everything before it is on disk.
 * Prints the number of transactions left in the log. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int main(int argc, char **argv)
{
	char wal[4096], shm[4096];
	unsigned char hdr[32], fh[24];
	long commits[2] = { 32, 32 }, n = 0, off = 32;
	uint32_t page;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: wal_cut DB\n");
		return 2;
	}
	snprintf(wal, sizeof wal, "%s-wal", argv[1]);
	snprintf(shm, sizeof shm, "%s-shm", argv[1]);
	f = fopen(wal, "rb");
	if (!f) {
		fprintf(stderr, "wal_cut: cannot read %s: %s\n", wal, strerror(errno));
		return 1;
	}
	if (fread(hdr, 1, sizeof hdr, f) != sizeof hdr) {
		fprintf(stderr, "wal_cut: %s: short file\n", wal);
		fclose(f);
		return 1;
	}
	page = be32(hdr + 8);
	if ((be32(hdr) & ~1u) != 0x377f0682u || page < 512 || page > 65536) {
		fprintf(stderr, "wal_cut: %s is not a WAL file\n", wal);
		fclose(f);
		return 1;
	}
	/* Frames of this log generation carry the header's salts; what follows
	 * with other salts is left from an earlier generation, not a frame. */
	while (fread(fh, 1, sizeof fh, f) == sizeof fh && !memcmp(fh + 8, hdr + 16, 8) &&
	       fseek(f, (long)page, SEEK_CUR) == 0) {
		off += (long)sizeof fh + (long)page;
		if (be32(fh + 4) != 0) { /* a commit frame: the database size after it */
			commits[0] = commits[1];
			commits[1] = off;
			n++;
		}
	}
	fclose(f);
	if (n == 0) {
		fprintf(stderr, "wal_cut: %s holds no transaction\n", wal);
		return 1;
	}
	if (truncate(wal, commits[0]) != 0 || (unlink(shm) != 0 && errno != ENOENT)) {
		fprintf(stderr, "wal_cut: %s: %s\n", wal, strerror(errno));
		return 1;
	}
	printf("%ld\n", n - 1);
	return 0;
}
