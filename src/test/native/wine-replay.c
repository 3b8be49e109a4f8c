/*
 * Replays the Windows backend's kernel32 call sequence (jobgov.windows.WindowsJob / JobProcessStart /
 * CompletionPortPump) as a Win64 program, to run under Wine with scripts/wine-replay. Optional, not
 * CI. Wine 8 implements job membership, nesting, kill-on-close, TerminateJobObject, the process-id
 * list and process messages, but enforces no limit: the limit lines below only show whether the call
 * is accepted, never that a limit holds.
 */
#define _WIN32_WINNT 0x0A00
#include <windows.h>
#include <stdio.h>

static int failures;
#define CHECK(cond, what) do { if (cond) printf("OK   %s\n", what); else { printf("FAIL %s (error %lu)\n", what, GetLastError()); failures++; } } while (0)
#define INFO(ok, what) printf("%-4s %s%s (error %lu)\n", (ok) ? "ACK" : "NAK", what, (ok) ? "" : " refused", (ok) ? 0UL : GetLastError())

static PROCESS_INFORMATION spawn(HANDLE *jobs, int njobs, BOOL jobList) {
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
  DWORD flags = EXTENDED_STARTUPINFO_PRESENT | CREATE_NO_WINDOW | (jobList ? 0 : CREATE_SUSPENDED);
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
  CHECK(!ok && GetLastError() == ERROR_MORE_DATA && small.assigned == 2, "process-id list: ERROR_MORE_DATA with the count");
  struct { DWORD assigned, listed; ULONG_PTR ids[8]; } big;
  CHECK(QueryInformationJobObject(job, JobObjectBasicProcessIdList, &big, sizeof big, NULL) && big.listed == 2, "process-id list after growing");

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

  CloseHandle(child);
  CloseHandle(job);
  PostQueuedCompletionStatus(port, 0, 0, NULL);
  DWORD msg; ULONG_PTR key; LPOVERLAPPED ov;
  CHECK(GetQueuedCompletionStatus(port, &msg, &key, &ov, 2000) && key == 0, "wake-up message under key 0 (pump close)");
  CloseHandle(port);
  printf("%d failure(s)\n", failures);
  return failures;
}
