using System.Runtime.InteropServices;

namespace JitBot.Policies;

internal enum DiskKind
{
    Missing,
    File,
    Folder,
    /// <summary>A named pipe, device or socket: opening or reading it can block for ever or never end.</summary>
    Special,
}

/// <summary>
/// What a path is on disk (links followed), asked without opening it, and a stamp that changes when the
/// entry is written or replaced. Opening a named pipe waits for a writer for ever and a device such as
/// <c>/dev/zero</c> never ends, so the policy folder reads nothing before it knows it is a regular file.
/// </summary>
internal readonly record struct DiskEntry(DiskKind Kind, long Size, string Stamp, string What)
{
    public static DiskEntry Of(string path) => OperatingSystem.IsWindows() ? Windows(path) : Unix(path);

    static DiskEntry Windows(string path)
    {
        var file = new FileInfo(path);
        if (file.Exists)
        {
            var special = (file.Attributes & FileAttributes.Device) != 0;
            return new(special ? DiskKind.Special : DiskKind.File, file.Length,
                $"{file.Length}|{file.LastWriteTimeUtc.Ticks}|{file.CreationTimeUtc.Ticks}", special ? "a device" : "a file");
        }
        var folder = new DirectoryInfo(path);
        return folder.Exists
            ? new(DiskKind.Folder, 0, folder.LastWriteTimeUtc.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture), "a folder")
            : new(DiskKind.Missing, 0, "", "missing");
    }

    // .NET's own platform layer (libSystem.Native, shipped with every .NET runtime on Linux and macOS) answers
    // stat(2) with one layout on every platform and architecture; FileSystemInfo cannot tell a pipe or a
    // device from a file. The type bits of Mode are fixed by that layer (pal_io.h).
    const int TypeMask = 0xF000, Pipe = 0x1000, CharDevice = 0x2000, Directory = 0x4000, BlockDevice = 0x6000, Regular = 0x8000, Socket = 0xC000;
    const int NoSuchEntry = 2, NotADirectory = 20;

    static DiskEntry Unix(string path)
    {
        int result;
        NativeStatus s;
        try
        {
            result = Stat(path, out s);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Fail closed: without knowing what an entry is, nothing is read (the problem says why).
            throw new IOException("This .NET runtime cannot tell a regular file from a pipe or a device, so policy files cannot be read safely.", e);
        }
        if (result != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is NoSuchEntry or NotADirectory) return new(DiskKind.Missing, 0, "", "missing");
            throw new IOException($"The file system did not say what this is (error {errno}).");
        }
        var stamp = $"{s.Size}|{s.MTime}.{s.MTimeNsec}|{s.CTime}.{s.CTimeNsec}|{s.Dev}:{s.Ino}";
        return (s.Mode & TypeMask) switch
        {
            Regular => new(DiskKind.File, s.Size, stamp, "a file"),
            Directory => new(DiskKind.Folder, 0, stamp, "a folder"),
            Pipe => new(DiskKind.Special, 0, stamp, "a named pipe (FIFO)"),
            CharDevice => new(DiskKind.Special, 0, stamp, "a character device"),
            BlockDevice => new(DiskKind.Special, 0, stamp, "a block device"),
            Socket => new(DiskKind.Special, 0, stamp, "a socket"),
            _ => new(DiskKind.Special, 0, stamp, "not a regular file"),
        };
    }

    [StructLayout(LayoutKind.Sequential)]
    struct NativeStatus
    {
        public int Flags;
        public int Mode;
        public uint Uid;
        public uint Gid;
        public long Size;
        public long ATime;
        public long ATimeNsec;
        public long MTime;
        public long MTimeNsec;
        public long CTime;
        public long CTimeNsec;
        public long BirthTime;
        public long BirthTimeNsec;
        public long Dev;
        public long RDev;
        public long Ino;
        public uint UserFlags;
    }

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
    static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out NativeStatus status);
}
