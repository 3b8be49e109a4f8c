/*
 * A stand-in libkernel32.so for Linux x64: just enough of kernel32's job, completion-port and process
 * calls, with Win32 semantics for return values, out-parameters and last-error codes, for the
 * stand-in tests to load through jobgov.windows.Kernel32Jobs and check the marshalling. Not Windows:
 * no process is governed, no limit is enforced. Last errors are stored in errno, which is what JNA's
 * Native.getLastError() reads on Linux. Win64 and LP64 agree on the layout of every structure used
 * here; wchar_t is 4 bytes on Linux (2 on Windows), which only names touch.
 *
 * Built by the tests: gcc -shared -fPIC -pthread -o target/standin/libkernel32.so kernel32-standin.c
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

typedef int BOOL;
typedef uint32_t DWORD;
typedef uint64_t ULONG_PTR;
typedef size_t SIZE_T;
typedef void *HANDLE;

#define ERROR_FILE_NOT_FOUND 2
#define ERROR_INVALID_HANDLE 6
#define ERROR_BAD_LENGTH 24
#define ERROR_INVALID_PARAMETER 87
#define ERROR_INSUFFICIENT_BUFFER 122
#define ERROR_ALREADY_EXISTS 183
#define ERROR_MORE_DATA 234
#define ERROR_ABANDONED_WAIT_0 735
#define WAIT_TIMEOUT 258
#define STILL_ACTIVE 259

typedef struct {
  int64_t PerProcessUserTimeLimit, PerJobUserTimeLimit;
  DWORD LimitFlags;
  SIZE_T MinimumWorkingSetSize, MaximumWorkingSetSize;
  DWORD ActiveProcessLimit;
  ULONG_PTR Affinity;
  DWORD PriorityClass, SchedulingClass;
} BASIC_LIMIT;
typedef struct { uint64_t r, w, o, rb, wb, ob; } IO_COUNTERS;
typedef struct {
  BASIC_LIMIT Basic;
  IO_COUNTERS Io;
  SIZE_T ProcessMemoryLimit, JobMemoryLimit, PeakProcessMemoryUsed, PeakJobMemoryUsed;
} EXTENDED_LIMIT;
typedef struct {
  int64_t TotalUserTime, TotalKernelTime, ThisPeriodTotalUserTime, ThisPeriodTotalKernelTime;
  DWORD TotalPageFaultCount, TotalProcesses, ActiveProcesses, TotalTerminatedProcesses;
  IO_COUNTERS Io;
} BASIC_AND_IO;
typedef struct { void *CompletionKey; HANDLE CompletionPort; } ASSOCIATE_PORT;
typedef struct { DWORD ControlFlags; DWORD CpuRate; } CPU_RATE;
typedef struct {
  uint64_t IoReadBytesLimit, IoWriteBytesLimit;
  int64_t PerJobUserTimeLimit;
  uint64_t JobMemoryLimit;
  DWORD RateControlTolerance, RateControlToleranceInterval, LimitFlags;
} NOTIFICATION_LIMIT;

enum { KIND_JOB = 1, KIND_PORT, KIND_PROCESS };
#define MAX_OBJECTS 256
#define MAX_PIDS 1024
#define MAX_MESSAGES 4096

struct message { DWORD bytes; ULONG_PTR key; ULONG_PTR overlapped; };
struct object {
  int kind, refs;
  wchar_t name[128];
  /* job */
  unsigned char info[40][160];
  int info_len[40];
  long pids[MAX_PIDS];
  int npids;
  int terminated_with;
  struct object *port;
  ULONG_PTR key;
  /* port */
  struct message queue[MAX_MESSAGES];
  int head, tail, closed;
  /* process */
  long pid;
};

static struct object objects[MAX_OBJECTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t posted = PTHREAD_COND_INITIALIZER;

/* Handles are 0x1000 + 4 * index, like real handles small multiples of 4; 0 is never valid. */
static HANDLE handle_of(int i) { return (HANDLE) (uintptr_t) (0x1000 + 4 * i); }
static struct object *get(HANDLE h, int kind) {
  uintptr_t v = (uintptr_t) h;
  if (v < 0x1000 || (v - 0x1000) % 4) return NULL;
  size_t i = (v - 0x1000) / 4;
  if (i >= MAX_OBJECTS || objects[i].kind != kind || objects[i].refs == 0) return NULL;
  return &objects[i];
}
static HANDLE add(int kind) {
  for (int i = 0; i < MAX_OBJECTS; i++) {
    if (objects[i].refs == 0) {
      memset(&objects[i], 0, sizeof objects[i]);
      objects[i].kind = kind;
      objects[i].refs = 1;
      objects[i].terminated_with = -1;
      return handle_of(i);
    }
  }
  return NULL;
}
static int fail(int err) { errno = err; return 0; }
static void post(struct object *port, DWORD bytes, ULONG_PTR key, ULONG_PTR overlapped) {
  if (!port || (port->tail + 1) % MAX_MESSAGES == port->head) return;
  port->queue[port->tail] = (struct message) {bytes, key, overlapped};
  port->tail = (port->tail + 1) % MAX_MESSAGES;
  pthread_cond_broadcast(&posted);
}

/* Expected sizes per information class: a wrong length is ERROR_BAD_LENGTH, as on Windows. */
static int class_size(int cls) {
  switch (cls) {
    case 2: return 64;  case 4: return 4;   case 6: return 4;   case 7: return 16;
    case 9: return 144; case 12: return 48; case 15: return 8;
    /* net rate control (32) is rejected with ERROR_INVALID_PARAMETER, as by a Windows without it */
    default: return -1;
  }
}

HANDLE CreateJobObjectW(void *sa, const wchar_t *name) {
  pthread_mutex_lock(&lock);
  (void) sa;
  for (int i = 0; name && i < MAX_OBJECTS; i++) {
    if (objects[i].refs && objects[i].kind == KIND_JOB && wcscmp(objects[i].name, name) == 0) {
      objects[i].refs++;
      pthread_mutex_unlock(&lock);
      errno = ERROR_ALREADY_EXISTS; /* success, but an existing object: the last error says so */
      return handle_of(i);
    }
  }
  HANDLE h = add(KIND_JOB);
  if (h && name) wcsncpy(get(h, KIND_JOB)->name, name, 127);
  pthread_mutex_unlock(&lock);
  errno = 0;
  return h;
}

HANDLE OpenJobObjectW(DWORD access, BOOL inherit, const wchar_t *name) {
  (void) access; (void) inherit;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < MAX_OBJECTS; i++) {
    if (objects[i].refs && objects[i].kind == KIND_JOB && wcscmp(objects[i].name, name) == 0) {
      objects[i].refs++;
      pthread_mutex_unlock(&lock);
      return handle_of(i);
    }
  }
  pthread_mutex_unlock(&lock);
  fail(ERROR_FILE_NOT_FOUND);
  return NULL;
}

BOOL SetInformationJobObject(HANDLE job, int cls, void *info, DWORD len) {
  struct object *j = get(job, KIND_JOB);
  if (!j) return fail(ERROR_INVALID_HANDLE);
  int want = class_size(cls);
  if (want < 0) return fail(ERROR_INVALID_PARAMETER);
  if ((int) len != want) return fail(ERROR_BAD_LENGTH);
  if (cls == 9 && (((EXTENDED_LIMIT *) info)->Basic.LimitFlags & ~0x7fffu)) return fail(ERROR_INVALID_PARAMETER);
  if (cls == 15 && ((CPU_RATE *) info)->ControlFlags & 0x4 && ((CPU_RATE *) info)->CpuRate > 10000) return fail(ERROR_INVALID_PARAMETER);
  pthread_mutex_lock(&lock);
  memcpy(j->info[cls], info, len);
  j->info_len[cls] = len;
  if (cls == 7) {
    ASSOCIATE_PORT *a = info;
    j->port = get(a->CompletionPort, KIND_PORT);
    j->key = (ULONG_PTR) a->CompletionKey;
  }
  pthread_mutex_unlock(&lock);
  return 1;
}

BOOL QueryInformationJobObject(HANDLE job, int cls, void *info, DWORD len, DWORD *ret) {
  struct object *j = get(job, KIND_JOB);
  if (!j) return fail(ERROR_INVALID_HANDLE);
  pthread_mutex_lock(&lock);
  BOOL ok = 1;
  DWORD written = 0;
  if (cls == 3) {
    if (len < 16) { pthread_mutex_unlock(&lock); return fail(ERROR_BAD_LENGTH); }
    DWORD capacity = (len - 8) / 8;
    DWORD n = (DWORD) j->npids < capacity ? (DWORD) j->npids : capacity;
    ((DWORD *) info)[0] = j->npids;
    ((DWORD *) info)[1] = n;
    for (DWORD i = 0; i < n; i++) ((ULONG_PTR *) ((char *) info + 8))[i] = j->pids[i];
    written = 8 + 8 * n;
    if (n < (DWORD) j->npids) { ok = fail(ERROR_MORE_DATA); }
  } else if (cls == 8) {
    if (len != 96) { pthread_mutex_unlock(&lock); return fail(ERROR_BAD_LENGTH); }
    BASIC_AND_IO *a = info;
    memset(a, 0, sizeof *a);
    a->TotalUserTime = 12345678; a->TotalKernelTime = 2345678;
    a->TotalPageFaultCount = 4242; a->TotalProcesses = 7; a->ActiveProcesses = j->npids; a->TotalTerminatedProcesses = 2;
    a->Io.r = 11; a->Io.w = 22; a->Io.o = 33; a->Io.rb = 44; a->Io.wb = 55; a->Io.ob = 66;
    written = 96;
  } else if (class_size(cls) > 0) {
    if ((int) len != class_size(cls)) { pthread_mutex_unlock(&lock); return fail(ERROR_BAD_LENGTH); }
    memcpy(info, j->info[cls], len);
    if (cls == 9) { ((EXTENDED_LIMIT *) info)->PeakJobMemoryUsed = 123456789; ((EXTENDED_LIMIT *) info)->PeakProcessMemoryUsed = 98765; }
    written = len;
  } else {
    ok = fail(ERROR_INVALID_PARAMETER);
  }
  if (ret) *ret = written;
  pthread_mutex_unlock(&lock);
  return ok;
}

static long pid_of(HANDLE process) {
  if ((intptr_t) process == -1) return getpid();
  struct object *p = get(process, KIND_PROCESS);
  return p ? p->pid : -1;
}

BOOL AssignProcessToJobObject(HANDLE job, HANDLE process) {
  struct object *j = get(job, KIND_JOB);
  long pid = pid_of(process);
  if (!j || pid < 0) return fail(ERROR_INVALID_HANDLE);
  pthread_mutex_lock(&lock);
  if (j->npids < MAX_PIDS) j->pids[j->npids++] = pid;
  post(j->port, 6 /* JOB_OBJECT_MSG_NEW_PROCESS */, j->key, (ULONG_PTR) pid);
  pthread_mutex_unlock(&lock);
  return 1;
}

BOOL IsProcessInJob(HANDLE process, HANDLE job, BOOL *result) {
  struct object *j = get(job, KIND_JOB);
  long pid = pid_of(process);
  if (!j || pid < 0) return fail(ERROR_INVALID_HANDLE);
  *result = 0;
  for (int i = 0; i < j->npids; i++) if (j->pids[i] == pid) *result = 1;
  return 1;
}

BOOL TerminateJobObject(HANDLE job, unsigned code) {
  struct object *j = get(job, KIND_JOB);
  if (!j) return fail(ERROR_INVALID_HANDLE);
  pthread_mutex_lock(&lock);
  j->terminated_with = (int) code;
  for (int i = 0; i < j->npids; i++) post(j->port, 7 /* EXIT_PROCESS */, j->key, (ULONG_PTR) j->pids[i]);
  j->npids = 0;
  post(j->port, 4 /* ACTIVE_PROCESS_ZERO */, j->key, 0);
  pthread_mutex_unlock(&lock);
  return 1;
}

int SetIoRateControlInformationJobObject(HANDLE job, void *info) {
  struct object *j = get(job, KIND_JOB);
  if (!j) return fail(ERROR_INVALID_HANDLE);
  memcpy(j->info[39], info, 40);
  j->info_len[39] = 40;
  return 1;
}

HANDLE CreateIoCompletionPort(HANDLE file, HANDLE existing, void *key, DWORD threads) {
  (void) file; (void) existing; (void) key; (void) threads;
  pthread_mutex_lock(&lock);
  HANDLE h = add(KIND_PORT);
  pthread_mutex_unlock(&lock);
  return h;
}

BOOL PostQueuedCompletionStatus(HANDLE port, DWORD bytes, ULONG_PTR key, void *overlapped) {
  struct object *p = get(port, KIND_PORT);
  if (!p) return fail(ERROR_INVALID_HANDLE);
  pthread_mutex_lock(&lock);
  post(p, bytes, key, (ULONG_PTR) overlapped);
  pthread_mutex_unlock(&lock);
  return 1;
}

BOOL GetQueuedCompletionStatus(HANDLE port, DWORD *bytes, ULONG_PTR *key, void **overlapped, DWORD ms) {
  struct object *p = get(port, KIND_PORT);
  if (!p) return fail(ERROR_INVALID_HANDLE);
  pthread_mutex_lock(&lock);
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += ms / 1000;
  until.tv_nsec += (long) (ms % 1000) * 1000000;
  if (until.tv_nsec >= 1000000000) { until.tv_sec++; until.tv_nsec -= 1000000000; }
  while (p->head == p->tail && !p->closed) {
    int r = ms == 0xFFFFFFFFu ? pthread_cond_wait(&posted, &lock) : pthread_cond_timedwait(&posted, &lock, &until);
    if (r == ETIMEDOUT) { pthread_mutex_unlock(&lock); *overlapped = NULL; return fail(WAIT_TIMEOUT); }
  }
  if (p->closed) { pthread_mutex_unlock(&lock); *overlapped = NULL; return fail(ERROR_ABANDONED_WAIT_0); }
  struct message m = p->queue[p->head];
  p->head = (p->head + 1) % MAX_MESSAGES;
  pthread_mutex_unlock(&lock);
  *bytes = m.bytes;
  *key = m.key;
  *overlapped = (void *) m.overlapped;
  return 1;
}

BOOL CloseHandle(HANDLE h) {
  pthread_mutex_lock(&lock);
  uintptr_t v = (uintptr_t) h;
  size_t i = (v - 0x1000) / 4;
  if (v < 0x1000 || (v - 0x1000) % 4 || i >= MAX_OBJECTS || objects[i].refs == 0) {
    pthread_mutex_unlock(&lock);
    return fail(ERROR_INVALID_HANDLE);
  }
  if (--objects[i].refs == 0 && objects[i].kind == KIND_PORT) {
    objects[i].refs = 1; /* keep the slot until waiters saw it closed */
    objects[i].closed = 1;
    pthread_cond_broadcast(&posted);
  }
  pthread_mutex_unlock(&lock);
  return 1;
}

HANDLE GetCurrentProcess(void) { return (HANDLE) (intptr_t) -1; }
DWORD GetCurrentProcessId(void) { return (DWORD) getpid(); }

HANDLE OpenProcess(DWORD access, BOOL inherit, DWORD pid) {
  (void) access; (void) inherit;
  if (pid == 0) { fail(ERROR_INVALID_PARAMETER); return NULL; }
  pthread_mutex_lock(&lock);
  HANDLE h = add(KIND_PROCESS);
  if (h) get(h, KIND_PROCESS)->pid = pid;
  pthread_mutex_unlock(&lock);
  return h;
}

BOOL GetExitCodeProcess(HANDLE process, DWORD *code) {
  if (!get(process, KIND_PROCESS)) return fail(ERROR_INVALID_HANDLE);
  *code = STILL_ACTIVE;
  return 1;
}

/* The stand-in's processes never end. */
DWORD WaitForSingleObject(HANDLE h, DWORD ms) {
  if (!get(h, KIND_PROCESS)) { errno = ERROR_INVALID_HANDLE; return 0xFFFFFFFF; }
  return 0x102; /* WAIT_TIMEOUT */
}

BOOL InitializeProcThreadAttributeList(void *list, DWORD count, DWORD flags, SIZE_T *size) {
  (void) flags;
  SIZE_T need = 48 + 24 * (SIZE_T) count;
  if (!list || *size < need) { *size = need; return fail(ERROR_INSUFFICIENT_BUFFER); }
  memset(list, 0, need);
  return 1;
}

/* ---- Stand-in controls for the tests (not kernel32) ---- */

unsigned short GetActiveProcessorGroupCount(void) { return 1; }
DWORD GetActiveProcessorCount(unsigned short group) { return group == 0 ? 4 : 0; }
void *GetConsoleWindow(void) { return NULL; }
BOOL GetVersionExW(void *info) {
  if (*(DWORD *) info < 284) return fail(ERROR_INSUFFICIENT_BUFFER);
  DWORD *v = info;
  v[1] = 10; v[2] = 0; v[3] = 19045;
  return 1;
}

int StandInAddProcesses(HANDLE job, int count, long first) {
  struct object *j = get(job, KIND_JOB);
  if (!j) return fail(ERROR_INVALID_HANDLE);
  pthread_mutex_lock(&lock);
  for (int i = 0; i < count && j->npids < MAX_PIDS; i++) j->pids[j->npids++] = first + i;
  pthread_mutex_unlock(&lock);
  return j->npids;
}

int StandInTerminatedWith(HANDLE job) {
  struct object *j = get(job, KIND_JOB);
  return j ? j->terminated_with : -2;
}

/* The extended limits, IO rate, CPU rate and notification limits as C reads them, for the tests. */
int StandInDescribe(HANDLE job, char *out, int size) {
  struct object *j = get(job, KIND_JOB);
  if (!j) return fail(ERROR_INVALID_HANDLE);
  EXTENDED_LIMIT *x = (EXTENDED_LIMIT *) j->info[9];
  CPU_RATE *c = (CPU_RATE *) j->info[15];
  NOTIFICATION_LIMIT *n = (NOTIFICATION_LIMIT *) j->info[12];
  int64_t *io = (int64_t *) j->info[39];
  return snprintf(out, size,
      "flags=0x%x proctime=%lld jobtime=%lld minws=%zu maxws=%zu active=%u affinity=0x%llx priority=0x%x sched=%u "
      "procmem=%zu jobmem=%zu cpuflags=0x%x cpurate=%u notifyflags=0x%x notifymem=%llu notifyread=%llu notifywrite=%llu "
      "notifytime=%lld iops=%lld iobw=%lld",
      x->Basic.LimitFlags, (long long) x->Basic.PerProcessUserTimeLimit, (long long) x->Basic.PerJobUserTimeLimit,
      x->Basic.MinimumWorkingSetSize, x->Basic.MaximumWorkingSetSize, x->Basic.ActiveProcessLimit,
      (unsigned long long) x->Basic.Affinity, x->Basic.PriorityClass, x->Basic.SchedulingClass,
      x->ProcessMemoryLimit, x->JobMemoryLimit, c->ControlFlags, c->CpuRate, n->LimitFlags,
      (unsigned long long) n->JobMemoryLimit, (unsigned long long) n->IoReadBytesLimit,
      (unsigned long long) n->IoWriteBytesLimit, (long long) n->PerJobUserTimeLimit,
      (long long) io[0], (long long) io[1]);
}
