/*
 * libopenfault.so: an LD_PRELOAD interposer that gives a test's process real I/O errors on chosen files
 * (OpenFaults.cs compiles it at test time and starts silos with it). Every open of a path whose file name
 * (what follows its last '/') is a line of the control file named by ORLEANSTASKS_OPEN_FAULTS fails with
 * EIO, as on a failing disk; every other open goes to the C library's own function (dlsym RTLD_NEXT).
 * The control file is read at each open, so a test fails and mends a file while the process runs;
 * it replaces the file whole (a rename), so a read never sees half of it.
 *
 * .NET's System.Native calls open64 on glibc (nm -D libSystem.Native.so lists it, not open or openat);
 * open, openat and openat64 are caught too, so that a runtime calling those meets the same fault.
 */
#define _GNU_SOURCE
#undef _FORTIFY_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#define CONTROL_VARIABLE "ORLEANSTASKS_OPEN_FAULTS"

typedef int (*open_function)(const char *, int, ...);
typedef int (*openat_function)(int, const char *, int, ...);

/* Whether the control file lists the file name of path. */
static int listed(const char *path)
{
    const char *control = getenv(CONTROL_VARIABLE);
    if (control == NULL || *control == '\0' || path == NULL)
    {
        return 0;
    }

    const char *slash = strrchr(path, '/');
    const char *name = slash == NULL ? path : slash + 1;
    size_t length = strlen(name);
    if (length == 0)
    {
        return 0;
    }

    /* The system call itself, not open: reading the list must not come back here. */
    int saved = errno;
    char list[4096];
    ssize_t size = -1;
    int fd = (int)syscall(SYS_openat, AT_FDCWD, control, O_RDONLY | O_CLOEXEC);
    if (fd >= 0)
    {
        size = read(fd, list, sizeof list);
        close(fd);
    }

    errno = saved;
    for (ssize_t start = 0; start < size;)
    {
        const char *end = memchr(list + start, '\n', (size_t)(size - start));
        ssize_t line = (end == NULL ? size : end - list) - start;
        if ((size_t)line == length && memcmp(list + start, name, length) == 0)
        {
            return 1;
        }

        start += line + 1;
    }

    return 0;
}

static void *next(const char *symbol)
{
    void *function = dlsym(RTLD_NEXT, symbol);
    if (function == NULL)
    {
        static const char message[] = "libopenfault: the C library's own open functions were not found\n";
        (void)!write(STDERR_FILENO, message, sizeof message - 1);
        abort();
    }

    return function;
}

/* A mode is passed only when the flags create a file. */
#define MODE_OF(flags, mode)                                                    \
    mode_t mode = 0;                                                            \
    if (((flags) & O_CREAT) != 0 || ((flags) & O_TMPFILE) == O_TMPFILE)         \
    {                                                                           \
        va_list arguments;                                                      \
        va_start(arguments, flags);                                             \
        mode = va_arg(arguments, mode_t);                                       \
        va_end(arguments);                                                      \
    }

#define FAIL_IF_LISTED(path) \
    if (listed(path))        \
    {                        \
        errno = EIO;         \
        return -1;           \
    }

int open(const char *path, int flags, ...)
{
    static open_function real;
    MODE_OF(flags, mode);
    FAIL_IF_LISTED(path);
    if (real == NULL)
    {
        real = (open_function)next("open");
    }

    return real(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
    static open_function real;
    MODE_OF(flags, mode);
    FAIL_IF_LISTED(path);
    if (real == NULL)
    {
        real = (open_function)next("open64");
    }

    return real(path, flags, mode);
}

int openat(int directory, const char *path, int flags, ...)
{
    static openat_function real;
    MODE_OF(flags, mode);
    FAIL_IF_LISTED(path);
    if (real == NULL)
    {
        real = (openat_function)next("openat");
    }

    return real(directory, path, flags, mode);
}

int openat64(int directory, const char *path, int flags, ...)
{
    static openat_function real;
    MODE_OF(flags, mode);
    FAIL_IF_LISTED(path);
    if (real == NULL)
    {
        real = (openat_function)next("openat64");
    }

    return real(directory, path, flags, mode);
}
