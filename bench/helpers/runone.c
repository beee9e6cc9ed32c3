/* runone: run one command, report its wall time and peak RSS.
 *
 *   runone [-i INFILE] [-o OUTFILE] [-t TIMEOUT_S] -- COMMAND [ARG]...
 *
 * stdin comes from INFILE (default /dev/null), stdout goes to OUTFILE (default /dev/null),
 * stderr is inherited. Prints one line on stdout:
 *
 *   WALL_SECONDS MAXRSS_KIB STATUS CPU_SECONDS
 *
 * WALL_SECONDS is CLOCK_MONOTONIC from fork to reap. MAXRSS_KIB is wait4()'s ru_maxrss: the
 * peak resident set of the command or of the largest of its (waited-for) descendants, whichever
 * is larger, not their sum. STATUS is the exit code, 128+N for signal N, or "timeout" (the
 * process group is killed with SIGKILL after TIMEOUT_S seconds). CPU_SECONDS is user + system
 * time of the command and its waited-for descendants (less disturbed than wall time when
 * another job shares the machine).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t child;
static volatile sig_atomic_t timed_out;

static void on_alarm(int sig) {
  (void)sig;
  timed_out = 1;
  if (child > 0) kill(-child, SIGKILL);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
  const char* in = "/dev/null";
  const char* out = "/dev/null";
  unsigned timeout = 0;
  int opt;
  while ((opt = getopt(argc, argv, "+i:o:t:")) != -1) {
    switch (opt) {
      case 'i': in = optarg; break;
      case 'o': out = optarg; break;
      case 't': timeout = (unsigned)strtoul(optarg, NULL, 10); break;
      default: fprintf(stderr, "usage: runone [-i IN] [-o OUT] [-t SECONDS] -- CMD...\n"); return 2;
    }
  }
  if (optind >= argc) {
    fprintf(stderr, "usage: runone [-i IN] [-o OUT] [-t SECONDS] -- CMD...\n");
    return 2;
  }
  int fin = open(in, O_RDONLY);
  if (fin < 0) { fprintf(stderr, "runone: %s: %s\n", in, strerror(errno)); return 2; }
  int fout = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fout < 0) { fprintf(stderr, "runone: %s: %s\n", out, strerror(errno)); return 2; }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);

  double t0 = now();
  child = fork();
  if (child < 0) { perror("runone: fork"); return 2; }
  if (child == 0) {
    setpgid(0, 0);
    dup2(fin, 0);
    dup2(fout, 1);
    close(fin);
    close(fout);
    execvp(argv[optind], argv + optind);
    fprintf(stderr, "runone: %s: %s\n", argv[optind], strerror(errno));
    _exit(127);
  }
  setpgid(child, child);
  if (timeout) alarm(timeout);
  int status = 0;
  struct rusage ru;
  pid_t r;
  do {
    r = wait4(child, &status, 0, &ru);
  } while (r < 0 && errno == EINTR);
  double t1 = now();
  alarm(0);
  if (r < 0) { perror("runone: wait4"); return 2; }
  char st[32];
  if (timed_out) snprintf(st, sizeof st, "timeout");
  else if (WIFEXITED(status)) snprintf(st, sizeof st, "%d", WEXITSTATUS(status));
  else snprintf(st, sizeof st, "%d", 128 + WTERMSIG(status));
  double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
  printf("%.4f %ld %s %.4f\n", t1 - t0, ru.ru_maxrss, st, cpu);
  return 0;
}
