// In-memory filesystem objects: inodes in a directory tree, open files,
// pipes. Lesson: "files and pipes".
#ifndef MINIOS_FS_H
#define MINIOS_FS_H

#include "types.h"

#define NAME_MAX 59

enum itype { T_DIR = 1, T_FILE, T_DEV };
enum { DEV_CONSOLE = 1, DEV_NULL };

struct inode {
    enum itype type;
    int ino;
    int major;                 // device number for T_DEV
    char name[NAME_MAX + 1];
    struct inode *parent;      // ".." (the root is its own parent)
    struct inode *children;    // first entry of a directory
    struct inode *next;        // next entry in the parent directory
    char *data;                // file contents (kheap), size bytes used
    uint32_t size, cap;
};

enum ftype { FD_NONE, FD_INODE, FD_PIPE, FD_SNAP };

struct file {
    enum ftype type;
    int ref;
    char readable, writable, append;
    struct inode *ip;          // FD_INODE
    struct pipe *pipe;         // FD_PIPE
    uint32_t off;
    char *snap;                // FD_SNAP: text generated at open (/proc)
    uint32_t snaplen;
    int snapdir;               // snapshot is a directory listing
};

#endif
