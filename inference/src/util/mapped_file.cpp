// POSIX mmap of a whole file, read-only, with a SIGBUS guard; see mapped_file.h.
#include "util/mapped_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace qwenvl {

namespace {

// The guard's table, read by the signal handler without locks: a slot is claimed (0 -> 1), filled,
// then published (1 -> 2); released (-> 0) before its range is unmapped.
struct GuardSlot {
  std::atomic<int> state{0};
  std::atomic<uintptr_t> begin{0};
  std::atomic<uintptr_t> end{0};
  std::atomic<bool> damaged{false};
};
GuardSlot g_slots[mapped_file_detail::kGuardSlots];
struct sigaction g_previous {};
std::once_flag g_install_once;
bool g_installed = false;

void on_sigbus(int sig, siginfo_t* info, void* context) {
  const uintptr_t addr = reinterpret_cast<uintptr_t>(info->si_addr);
  for (GuardSlot& s : g_slots) {
    if (s.state.load(std::memory_order_acquire) != 2) continue;
    const uintptr_t begin = s.begin.load(std::memory_order_relaxed), end = s.end.load(std::memory_order_relaxed);
    if (addr < begin || addr >= end) continue;
    // Zero pages over the whole mapping, in place: the faulting read and every later one get
    // zeros instead of another fault. mmap is a plain system call, safe in a handler.
    void* p =
        ::mmap(reinterpret_cast<void*>(begin), end - begin, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (p == MAP_FAILED) break;
    s.damaged.store(true, std::memory_order_release);
    return;
  }
  // Not one of ours: what would have happened without the guard (ASan's report, libFuzzer's,
  // or the default action, taken when the faulting instruction runs again).
  if (g_previous.sa_flags & SA_SIGINFO) {
    if (g_previous.sa_sigaction) return g_previous.sa_sigaction(sig, info, context);
  } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
    return g_previous.sa_handler(sig);
  }
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  ::sigaction(SIGBUS, &dfl, nullptr);
  if (info->si_code <= 0) ::raise(SIGBUS);  // sent by kill(): no instruction to run again
}

void install_guard() {
  struct sigaction sa {};
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  g_installed = ::sigaction(SIGBUS, &sa, &g_previous) == 0;
}

int claim_slot(const void* data, size_t size) {
  for (int i = 0; i < mapped_file_detail::kGuardSlots; ++i) {
    int expected = 0;
    if (!g_slots[i].state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) continue;
    const uintptr_t begin = reinterpret_cast<uintptr_t>(data);
    const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    g_slots[i].begin.store(begin, std::memory_order_relaxed);
    g_slots[i].end.store(begin + (size + page - 1) / page * page, std::memory_order_relaxed);
    g_slots[i].damaged.store(false, std::memory_order_relaxed);
    g_slots[i].state.store(2, std::memory_order_release);
    return i;
  }
  return -1;
}

}  // namespace

Result<std::shared_ptr<MappedFile>> MappedFile::open(const std::string& path) {
  using R = Result<std::shared_ptr<MappedFile>>;
  std::call_once(g_install_once, install_guard);
  if (!g_installed) return R::error(path + ": cannot install the guard for mapped files: " + std::strerror(errno));
  // O_NONBLOCK: a FIFO named like a shard must not stall the open; it is refused just below.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return R::error(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return R::error(path + ": not a regular file");
  }
  std::shared_ptr<MappedFile> f(new MappedFile());
  f->path_ = path;
  f->size_ = static_cast<size_t>(st.st_size);
  f->fd_ = fd;  // kept open for check_unchanged(); closed by the destructor
  f->mtime_ = st.st_mtim;
  if (f->size_ > 0) {
    void* p = ::mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const int e = errno;
      return R::error(path + ": cannot map: " + std::strerror(e));
    }
    f->data_ = static_cast<const uint8_t*>(p);
    f->slot_ = claim_slot(p, f->size_);
    if (f->slot_ < 0)
      return R::error(path + ": more than " + std::to_string(mapped_file_detail::kGuardSlots) +
                      " model files are open at once");
  }
  return f;
}

Status MappedFile::check_intact() const {
  if (slot_ >= 0 && g_slots[slot_].damaged.load(std::memory_order_acquire))
    return Status::error(path_ +
                         ": the file was truncated while in use, so part of it could not be read; "
                         "load the model again once the file is complete");
  return Status();
}

Status MappedFile::check_unchanged() const {
  QWENVL_TRY(check_intact());
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return Status::error(path_ + ": cannot check the file: " + std::strerror(errno));
  if (static_cast<size_t>(st.st_size) != size_ || st.st_mtim.tv_sec != mtime_.tv_sec ||
      st.st_mtim.tv_nsec != mtime_.tv_nsec)
    return Status::error(path_ + ": the file changed on disk after it was loaded (" + std::to_string(size_) +
                         " bytes then, " + std::to_string(st.st_size) +
                         " now); load the model again once the file is complete");
  return Status();
}

MappedFile::~MappedFile() {
  if (slot_ >= 0) g_slots[slot_].state.store(0, std::memory_order_release);
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace qwenvl
