/*
 * Replays the Windows backend's kernel32 call sequence (jobgov.windows.WindowsJob / JobProcessStart /
 * CompletionPortPump) as a Win64 program, to run under Wine with scripts/wine-replay (WineReplayIT runs
 * it in CI). Wine 8 implements job membership, nesting, kill-on-close, TerminateJobObject, the process-id
 * list and process messages, but enforces no limit: the limit lines below only show whether the call
 * is accepted, never that a limit holds.
 */
#define _WIN32_WINNT 0x0A00
#include <windows.h>
#include <stdio.h>

static int failures;
#define CHECK(cond, what) do { if (cond) printf("OK   %s\n", what); else { printf("FAIL %s (error %lu)\n", what, GetLastError()); failures++; } } while (0)
#define INFO(ok, what) printf("%-4s %s%s (error %lu)\n", (ok) ? "ACK" : "NAK", what, (ok) ? "" : " refused", (ok) ? 0UL : GetLastError())

static PROCESS_INFORMATION spawnWith(HANDLE *jobs, int njobs, BOOL jobList, DWORD window) {
  WCHAR self[MAX_PATH], cmd[MAX_PATH + 16];
  GetModuleFileNameW(NULL, self, MAX_PATH);
  swprintf(cmd, MAX_PATH + 16, L"\"%ls\" sleep", self);
  SIZE_T size = 0;
  InitializeProcThreadAttributeList(NULL, 1, 0, &size);
  LPPROC_THREAD_ATTRIBUTE_LIST list = HeapAlloc(GetProcessHeap(), 0, size);
  InitializeProcThreadAttributeList(list, 1, 0, &size);
  if (jobList) UpdateProcThreadAttribute(list, 0, PROC_THREAD_ATTRIBUTE_JOB_LIST, jobs, sizeof(HANDLE) * njobs, NULL, NULL);
  STARTUPINFOEXW si = {0};
  si.StartupInfo.cb = sizeof si;
  si.lpAttributeList = list;
  PROCESS_INFORMATION pi = {0};
  DWORD flags = EXTENDED_STARTUPINFO_PRESENT | window | (jobList ? 0 : CREATE_SUSPENDED);
  if (!CreateProcessW(NULL, cmd, NULL, NULL, FALSE, flags, NULL, NULL, &si.StartupInfo, &pi)) {
    printf("FAIL CreateProcessW (error %lu)\n", GetLastError());
    failures++;
  } else if (!jobList) {
    for (int i = 0; i < njobs; i++) CHECK(AssignProcessToJobObject(jobs[i], pi.hProcess), "CREATE_SUSPENDED + AssignProcessToJobObject");
    ResumeThread(pi.hThread);
  }
  DeleteProcThreadAttributeList(list);
  HeapFree(GetProcessHeap(), 0, list);
  return pi;
}

/* JobProcessStart's rule, as the JDK's: CREATE_NO_WINDOW only when this process has no console. */
static DWORD windowFlag(void) { return GetConsoleWindow() == NULL ? CREATE_NO_WINDOW : 0; }

static PROCESS_INFORMATION spawn(HANDLE *jobs, int njobs, BOOL jobList) { return spawnWith(jobs, njobs, jobList, windowFlag()); }

static DWORD members(HANDLE job) {
  struct { DWORD assigned, listed; ULONG_PTR ids[16]; } list;
  return QueryInformationJobObject(job, JobObjectBasicProcessIdList, &list, sizeof list, NULL) ? list.listed : 0;
}

static int drain(HANDLE port, ULONG_PTR wantKey, DWORD wantMsg, DWORD wantPid) {
  DWORD msg; ULONG_PTR key; LPOVERLAPPED ov;
  while (GetQueuedCompletionStatus(port, &msg, &key, &ov, 2000)) {
    if (key == wantKey && msg == wantMsg && (wantPid == 0 || (DWORD) (ULONG_PTR) ov == wantPid)) return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "sleep") == 0) { Sleep(60000); return 0; }
  WCHAR name[64];
  swprintf(name, 64, L"Local\\jobgov-wine-%lu", GetCurrentProcessId());

  HANDLE job = CreateJobObjectW(NULL, name);
  CHECK(job != NULL && GetLastError() != ERROR_ALREADY_EXISTS, "CreateJobObjectW (new name)");
  HANDLE again = CreateJobObjectW(NULL, name);
  CHECK(again != NULL && GetLastError() == ERROR_ALREADY_EXISTS, "CreateJobObjectW (same name): ERROR_ALREADY_EXISTS");
  CloseHandle(again);

  HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
  JOBOBJECT_ASSOCIATE_COMPLETION_PORT assoc = {(PVOID) 1, port};
  CHECK(SetInformationJobObject(job, JobObjectAssociateCompletionPortInformation, &assoc, sizeof assoc), "associate completion port");

  JOBOBJECT_EXTENDED_LIMIT_INFORMATION x = {0};
  x.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_ACTIVE_PROCESS | JOB_OBJECT_LIMIT_JOB_MEMORY;
  x.BasicLimitInformation.ActiveProcessLimit = 8;
  x.JobMemoryLimit = 256 << 20;
  INFO(SetInformationJobObject(job, JobObjectExtendedLimitInformation, &x, sizeof x), "extended limits (not enforced by Wine)");
  JOBOBJECT_CPU_RATE_CONTROL_INFORMATION cpu = {JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP, {2500}};
  INFO(SetInformationJobObject(job, JobObjectCpuRateControlInformation, &cpu, sizeof cpu), "CPU rate hard cap 25%");
  JOBOBJECT_NOTIFICATION_LIMIT_INFORMATION n = {0};
  n.LimitFlags = JOB_OBJECT_LIMIT_JOB_MEMORY;
  n.JobMemoryLimit = 64 << 20;
  INFO(SetInformationJobObject(job, JobObjectNotificationLimitInformation, &n, sizeof n), "notification limit");
  JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION acc;
  INFO(QueryInformationJobObject(job, JobObjectBasicAndIoAccountingInformation, &acc, sizeof acc, NULL), "basic-and-IO accounting query");

  HANDLE child = CreateJobObjectW(NULL, NULL);
  HANDLE chain[2] = {job, child};
  PROCESS_INFORMATION a = spawn(chain, 2, TRUE);
  BOOL in = FALSE;
  CHECK(IsProcessInJob(a.hProcess, job, &in) && in, "JOB_LIST: child process is in the outer job");
  CHECK(IsProcessInJob(a.hProcess, child, &in) && in, "JOB_LIST: child process is in the nested job");
  CHECK(drain(port, 1, JOB_OBJECT_MSG_NEW_PROCESS, a.dwProcessId), "NEW_PROCESS message with the pid");

  PROCESS_INFORMATION b = spawn(&job, 1, FALSE);
  CHECK(IsProcessInJob(b.hProcess, job, &in) && in, "suspended start: process is in the job");

  struct { DWORD assigned, listed; ULONG_PTR ids[1]; } small;
  BOOL ok = QueryInformationJobObject(job, JobObjectBasicProcessIdList, &small, sizeof small, NULL);
  /* 2 children, and a conhost.exe for each once it has started (no console here: CREATE_NO_WINDOW). */
  CHECK(!ok && GetLastError() == ERROR_MORE_DATA && small.assigned >= 2, "process-id list: ERROR_MORE_DATA with the count");
  struct { DWORD assigned, listed; ULONG_PTR ids[8]; } big;
  CHECK(QueryInformationJobObject(job, JobObjectBasicProcessIdList, &big, sizeof big, NULL) && big.listed >= 2 && big.listed == big.assigned,
        "process-id list after growing");

  CHECK(TerminateJobObject(job, 7), "TerminateJobObject(7)");
  DWORD code = 0;
  WaitForSingleObject(a.hProcess, 5000);
  CHECK(GetExitCodeProcess(a.hProcess, &code) && code == 7, "exit code 7 after TerminateJobObject");
  CHECK(drain(port, 1, JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO, 0), "ACTIVE_PROCESS_ZERO message");

  HANDLE kjob = CreateJobObjectW(NULL, NULL);
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION k = {0};
  k.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
  SetInformationJobObject(kjob, JobObjectExtendedLimitInformation, &k, sizeof k);
  PROCESS_INFORMATION c = spawn(&kjob, 1, TRUE);
  CloseHandle(kjob);
  CHECK(WaitForSingleObject(c.hProcess, 5000) == WAIT_OBJECT_0, "kill-on-close: closing the last handle ends the process");

  /* Issue 13, item 3: a console child started with CREATE_NO_WINDOW gets its own conhost.exe, in the job. */
  printf("INFO this process has %s console\n", GetConsoleWindow() ? "a" : "no");
  HANDLE cj = CreateJobObjectW(NULL, NULL);
  PROCESS_INFORMATION nw = spawnWith(&cj, 1, TRUE, CREATE_NO_WINDOW);
  DWORD withNoWindow = 0;
  for (int i = 0; i < 100 && (withNoWindow = members(cj)) < 2; i++) Sleep(50); /* conhost.exe starts after the child */
  CHECK(withNoWindow == 2, "CREATE_NO_WINDOW: a conhost.exe joins the job with the child");
  printf("INFO CREATE_NO_WINDOW: %lu process(es) in the job for one child\n", withNoWindow);
  TerminateJobObject(cj, 1);
  WaitForSingleObject(nw.hProcess, 5000);
  CloseHandle(cj);
  cj = CreateJobObjectW(NULL, NULL);
  PROCESS_INFORMATION rule = spawnWith(&cj, 1, TRUE, windowFlag());
  Sleep(200);
  DWORD withRule = members(cj);
  printf("INFO the backend's console rule: %lu process(es) in the job for one child\n", withRule);
  if (GetConsoleWindow() != NULL) CHECK(withRule == 1, "console rule: with a console, only the child is in the job (no conhost.exe)");
  TerminateJobObject(cj, 1);
  WaitForSingleObject(rule.hProcess, 5000);
  CloseHandle(cj);

  /* Item 1: closing a second handle (open by name) is not closing the job. */
  WCHAR oname[64];
  swprintf(oname, 64, L"Local\\jobgov-wine-open-%lu", GetCurrentProcessId());
  HANDLE owner = CreateJobObjectW(NULL, oname);
  SetInformationJobObject(owner, JobObjectExtendedLimitInformation, &k, sizeof k);
  PROCESS_INFORMATION o = spawn(&owner, 1, TRUE);
  HANDLE opened = OpenJobObjectW(JOB_OBJECT_ALL_ACCESS, FALSE, oname);
  CHECK(opened != NULL, "OpenJobObjectW of a kill-on-close job");
  CloseHandle(opened);
  CHECK(WaitForSingleObject(o.hProcess, 500) == WAIT_TIMEOUT, "closing an opened handle leaves the job's process running");
  CloseHandle(owner);
  CHECK(WaitForSingleObject(o.hProcess, 5000) == WAIT_OBJECT_0, "closing the creator's (last) handle ends it (kill-on-close)");

  /* Item 5: a member is ended through a handle checked with IsProcessInJob; a non-member is recognised. */
  HANDLE tj = CreateJobObjectW(NULL, NULL);
  PROCESS_INFORMATION m = spawn(&tj, 1, TRUE);
  PROCESS_INFORMATION outside = spawnWith(NULL, 0, TRUE, windowFlag());
  /* Windows (Vista+) lets IsProcessInJob use PROCESS_QUERY_LIMITED_INFORMATION, as the backend asks;
     Wine 8 answers ERROR_ACCESS_DENIED unless the handle has PROCESS_QUERY_INFORMATION. */
  HANDLE byPid = OpenProcess(PROCESS_TERMINATE | PROCESS_QUERY_INFORMATION, FALSE, m.dwProcessId);
  CHECK(byPid != NULL && IsProcessInJob(byPid, tj, &in) && in, "a member opened by pid: IsProcessInJob says so");
  CHECK(TerminateProcess(byPid, 9) && WaitForSingleObject(m.hProcess, 5000) == WAIT_OBJECT_0, "TerminateProcess through that handle");
  CHECK(GetExitCodeProcess(m.hProcess, &code) && code == 9, "exit code 9 read from a handle held since the start");
  HANDLE other = OpenProcess(PROCESS_QUERY_INFORMATION, FALSE, outside.dwProcessId);
  CHECK(other != NULL && IsProcessInJob(other, tj, &in) && !in, "a process outside the job: IsProcessInJob says no, it is left alone");
  TerminateProcess(outside.hProcess, 0);
  CloseHandle(other); CloseHandle(byPid); CloseHandle(tj);

  /* Item 7 / issue 10: IsProcessInJob(self, NULL) tells whether this process already runs in a job. */
  BOOL self = FALSE;
  CHECK(IsProcessInJob(GetCurrentProcess(), NULL, &self), "IsProcessInJob(self, NULL) answers");
  printf("INFO this process %s in a job\n", self ? "is" : "is not");

  CloseHandle(child);
  CloseHandle(job);
  PostQueuedCompletionStatus(port, 0, 0, NULL);
  DWORD msg; ULONG_PTR key; LPOVERLAPPED ov;
  CHECK(GetQueuedCompletionStatus(port, &msg, &key, &ov, 2000) && key == 0, "wake-up message under key 0 (pump close)");
  CloseHandle(port);
  printf("%d failure(s)\n", failures);
  return failures;
}
