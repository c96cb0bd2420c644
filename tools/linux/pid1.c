/*
 * PID 1 set-up and power-off (pid1.h). In an initramfs nothing is set up:
 * devtmpfs gives the console, procfs gives /proc/self (env_linux.c reads
 * it) and /proc/sys (the PMU's user access). Output post-processing is
 * switched off (no OPOST): lib/console.c already sends "\r\n", and the tty
 * would otherwise make it "\r\r\n".
 */
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "tools/linux/pid1.h"

int pid1_setup(void)
{
	struct termios t;
	int fd;

	mkdir("/dev", 0755);
	mkdir("/proc", 0555);
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) < 0 ||
	    mount("proc", "/proc", "proc", 0, NULL) < 0)
		return -1;
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return -1;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	if (tcgetattr(1, &t) == 0) {
		t.c_oflag &= ~(tcflag_t)OPOST;
		tcsetattr(1, TCSANOW, &t);
	}
	return 0;
}

void pid1_poweroff(void)
{
	tcdrain(1);
	sync();
	reboot(RB_POWER_OFF);
}
