/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the guest_memfd end-to-end test and the demo: bind
 * QEMU's edu device to vfio-pci, attach it to an iommufd IOAS, drive its DMA
 * engine, create a shared guest_memfd or a software-protected VM with a
 * private one, map it with IOMMU_IOAS_MAP_FILE and find in the kernel log the
 * DMAR fault that a blocked DMA causes.
 *
 * edu (QEMU docs/specs/edu.rst), BAR0 registers: 0x00 identification
 * (0xRRrr00ed), 0x80 DMA source address, 0x88 DMA destination address, 0x90
 * DMA count, 0x98 DMA command (bit 0 start, cleared by the device when done;
 * bit 1 direction, set for buffer to RAM).  Its 4 KiB buffer sits at device
 * address 0x40000.  QEMU 7.2 aborts the VM on a transfer of the whole buffer,
 * so callers move less than 4 KiB at a time.
 *
 * Errors are printed on stdout, prefixed with EDU_ERR_PREFIX ("# " unless
 * the includer defines it), so they stay in order with the caller's output.
 */
#ifndef EDU_H
#define EDU_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/iommufd.h>
#include <linux/kvm.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#ifndef EDU_ERR_PREFIX
#define EDU_ERR_PREFIX "# "
#endif

#define edu_err(fmt, ...) printf(EDU_ERR_PREFIX fmt "\n", ##__VA_ARGS__)

#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8
#define EDU_REG_ID		0x00
#define EDU_ID_MAGIC		0xed
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_CNT		0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_DMA_RUN		0x1
#define EDU_DMA_TO_RAM		0x2
#define EDU_BUF_ADDR		0x40000
#define EDU_DMA_POLL_US		1000
#define EDU_DMA_POLLS		5000	/* at least 5 s */
#define KMSG_POLL_US		10000
#define KMSG_POLLS		200	/* at least 2 s */

#define PCI_DEVICES_DIR		"/sys/bus/pci/devices"
#define VFIO_PCI_DIR		"/sys/bus/pci/drivers/vfio-pci"

struct edu {
	char bdf[NAME_MAX + 1];		/* PCI address, e.g. 0000:00:03.0 */
	char cdev[PATH_MAX];		/* /dev/vfio/devices/vfioN */
	int iommufd;
	int devfd;
	__u32 ioas_id;
	volatile unsigned char *bar0;
	size_t bar0_size;
};

static inline int read_sysfs_hex(const char *path, unsigned long *val)
{
	FILE *f = fopen(path, "r");
	int n;

	if (!f) {
		edu_err("open %s: %s", path, strerror(errno));
		return -1;
	}
	n = fscanf(f, "%lx", val);
	fclose(f);
	if (n != 1) {
		edu_err("%s: no hexadecimal value", path);
		return -1;
	}
	return 0;
}

/* Write @val to the sysfs file @path; on error return -1 with errno set. */
static inline int write_sysfs(const char *path, const char *val)
{
	size_t len = strlen(val);
	int fd, err;
	ssize_t n;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, val, len);
	if (n != (ssize_t)len) {
		err = n < 0 ? errno : EIO;
		close(fd);
		errno = err;
		return -1;
	}
	return close(fd);
}

/*
 * Find the first edu device and store its PCI address in @bdf.
 * Returns 1 if found, 0 if there is none, -1 on error.
 */
static inline int edu_find(char *bdf, size_t size)
{
	unsigned long vendor, device;
	char path[PATH_MAX];
	struct dirent *de;
	int found = 0;
	DIR *dir;

	dir = opendir(PCI_DEVICES_DIR);
	if (!dir) {
		edu_err("open %s: %s", PCI_DEVICES_DIR, strerror(errno));
		return -1;
	}
	while (!found && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/vendor", PCI_DEVICES_DIR,
			 de->d_name);
		if (read_sysfs_hex(path, &vendor)) {
			found = -1;
			break;
		}
		snprintf(path, sizeof(path), "%s/%s/device", PCI_DEVICES_DIR,
			 de->d_name);
		if (read_sysfs_hex(path, &device)) {
			found = -1;
			break;
		}
		if (vendor == EDU_VENDOR && device == EDU_DEVICE) {
			snprintf(bdf, size, "%s", de->d_name);
			found = 1;
		}
	}
	closedir(dir);
	return found;
}

/* Find the vfio cdev of the device bound to vfio-pci. */
static inline int edu_find_cdev(struct edu *e)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/%s/vfio-dev", PCI_DEVICES_DIR,
		 e->bdf);
	dir = opendir(path);
	if (!dir) {
		edu_err("open %s: %s", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(dir))) {
		if (!strncmp(de->d_name, "vfio", 4)) {
			snprintf(e->cdev, sizeof(e->cdev),
				 "/dev/vfio/devices/%s", de->d_name);
			closedir(dir);
			return 0;
		}
	}
	closedir(dir);
	edu_err("%s: no vfio cdev", path);
	return -1;
}

/* Bind the edu device @e->bdf to vfio-pci unless it already is. */
static inline int edu_bind_vfio(struct edu *e)
{
	char path[PATH_MAX], drv[PATH_MAX];
	const char *name;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s/driver", PCI_DEVICES_DIR, e->bdf);
	n = readlink(path, drv, sizeof(drv) - 1);
	if (n >= 0) {
		drv[n] = '\0';
		name = strrchr(drv, '/');
		name = name ? name + 1 : drv;
		if (strcmp(name, "vfio-pci")) {
			edu_err("%s is bound to %s, not vfio-pci", e->bdf,
				name);
			return -1;
		}
		return edu_find_cdev(e);
	}
	if (errno != ENOENT) {
		edu_err("readlink %s: %s", path, strerror(errno));
		return -1;
	}
	/* A new_id already added makes the write fail with EEXIST. */
	if (write_sysfs(VFIO_PCI_DIR "/new_id", "1234 11e8")) {
		if (errno != EEXIST) {
			edu_err("write \"1234 11e8\" to %s/new_id: %s",
				VFIO_PCI_DIR, strerror(errno));
			return -1;
		}
		if (write_sysfs(VFIO_PCI_DIR "/bind", e->bdf)) {
			edu_err("write %s to %s/bind: %s", e->bdf,
				VFIO_PCI_DIR, strerror(errno));
			return -1;
		}
	}
	return edu_find_cdev(e);
}

static inline int vfio_region_info(struct edu *e, __u32 index,
				   struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	if (ioctl(e->devfd, VFIO_DEVICE_GET_REGION_INFO, info)) {
		edu_err("VFIO_DEVICE_GET_REGION_INFO(%u) on %s: %s", index,
			e->cdev, strerror(errno));
		return -1;
	}
	return 0;
}

static inline int edu_enable_bus_master(struct edu *e)
{
	struct vfio_region_info cfg;
	off_t off;
	__u16 cmd;

	if (vfio_region_info(e, VFIO_PCI_CONFIG_REGION_INDEX, &cfg))
		return -1;
	off = cfg.offset + PCI_COMMAND;
	if (pread(e->devfd, &cmd, sizeof(cmd), off) != sizeof(cmd)) {
		edu_err("read PCI_COMMAND of %s: %s", e->bdf, strerror(errno));
		return -1;
	}
	cmd |= PCI_COMMAND_MASTER;
	if (pwrite(e->devfd, &cmd, sizeof(cmd), off) != sizeof(cmd)) {
		edu_err("write PCI_COMMAND of %s: %s", e->bdf,
			strerror(errno));
		return -1;
	}
	return 0;
}

static inline __u32 edu_read32(struct edu *e, unsigned int reg)
{
	return *(volatile __u32 *)(e->bar0 + reg);
}

static inline __u64 edu_read64(struct edu *e, unsigned int reg)
{
	return *(volatile __u64 *)(e->bar0 + reg);
}

static inline void edu_write64(struct edu *e, unsigned int reg, __u64 val)
{
	*(volatile __u64 *)(e->bar0 + reg) = val;
}

/*
 * Open the vfio cdev of @e (see edu_bind_vfio()), bind it to a new iommufd,
 * attach it to a new IOAS, map BAR0 and enable bus mastering.
 */
static inline int edu_open(struct edu *e)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
	};
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct vfio_region_info bar;
	void *map;
	__u32 id;

	e->devfd = -1;
	e->bar0 = NULL;
	e->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (e->iommufd < 0) {
		edu_err("open /dev/iommu: %s", strerror(errno));
		return -1;
	}
	if (ioctl(e->iommufd, IOMMU_IOAS_ALLOC, &alloc)) {
		edu_err("IOMMU_IOAS_ALLOC: %s", strerror(errno));
		return -1;
	}
	e->ioas_id = alloc.out_ioas_id;

	e->devfd = open(e->cdev, O_RDWR | O_CLOEXEC);
	if (e->devfd < 0) {
		edu_err("open %s: %s", e->cdev, strerror(errno));
		return -1;
	}
	bind.iommufd = e->iommufd;
	if (ioctl(e->devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind)) {
		edu_err("VFIO_DEVICE_BIND_IOMMUFD on %s: %s", e->cdev,
			strerror(errno));
		return -1;
	}
	attach.pt_id = e->ioas_id;
	if (ioctl(e->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach)) {
		edu_err("VFIO_DEVICE_ATTACH_IOMMUFD_PT(IOAS %u) on %s: %s",
			e->ioas_id, e->cdev, strerror(errno));
		return -1;
	}

	if (vfio_region_info(e, VFIO_PCI_BAR0_REGION_INDEX, &bar))
		return -1;
	if (!(bar.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		edu_err("BAR0 of %s cannot be mmapped (flags 0x%x)", e->bdf,
			bar.flags);
		return -1;
	}
	map = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   e->devfd, bar.offset);
	if (map == MAP_FAILED) {
		edu_err("mmap BAR0 of %s: %s", e->bdf, strerror(errno));
		return -1;
	}
	e->bar0 = map;
	e->bar0_size = bar.size;

	if (edu_enable_bus_master(e))
		return -1;
	id = edu_read32(e, EDU_REG_ID);
	if ((id & 0xff) != EDU_ID_MAGIC) {
		edu_err("%s: identification register reads 0x%08x, not edu",
			e->bdf, id);
		return -1;
	}
	return 0;
}

static inline int edu_close(struct edu *e)
{
	int ret = 0;

	if (e->bar0 && munmap((void *)e->bar0, e->bar0_size)) {
		edu_err("munmap BAR0 of %s: %s", e->bdf, strerror(errno));
		ret = -1;
	}
	if (e->devfd >= 0 && close(e->devfd)) {
		edu_err("close %s: %s", e->cdev, strerror(errno));
		ret = -1;
	}
	if (e->iommufd >= 0 && close(e->iommufd)) {
		edu_err("close /dev/iommu: %s", strerror(errno));
		ret = -1;
	}
	return ret;
}

/*
 * Run one DMA of @count bytes from @src to @dst and wait for its end.  With
 * @to_ram the device copies from its buffer (@src) to the IOVA @dst,
 * otherwise from the IOVA @src to its buffer (@dst).  The device reports no
 * IOMMU fault: the kernel log does.
 */
static inline int edu_dma(struct edu *e, __u64 src, __u64 dst, __u32 count,
			  bool to_ram)
{
	int polls = 0;

	edu_write64(e, EDU_REG_DMA_SRC, src);
	edu_write64(e, EDU_REG_DMA_DST, dst);
	edu_write64(e, EDU_REG_DMA_CNT, count);
	edu_write64(e, EDU_REG_DMA_CMD,
		    EDU_DMA_RUN | (to_ram ? EDU_DMA_TO_RAM : 0));
	while (edu_read64(e, EDU_REG_DMA_CMD) & EDU_DMA_RUN) {
		if (++polls > EDU_DMA_POLLS) {
			edu_err("edu DMA 0x%llx -> 0x%llx (%u bytes) still running after %d polls",
				(unsigned long long)src,
				(unsigned long long)dst, count, EDU_DMA_POLLS);
			return -1;
		}
		usleep(EDU_DMA_POLL_US);
	}
	return 0;
}

/* Create a VM and a shared, mmap()able guest_memfd of @size bytes in it. */
static inline int gmem_create(__u64 size, int *vmfd)
{
	struct kvm_create_guest_memfd args = {
		.size = size,
		.flags = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED,
	};
	int kvm, fd;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		edu_err("open /dev/kvm: %s", strerror(errno));
		return -1;
	}
	*vmfd = ioctl(kvm, KVM_CREATE_VM, 0);
	if (*vmfd < 0) {
		edu_err("KVM_CREATE_VM: %s", strerror(errno));
		close(kvm);
		return -1;
	}
	if (close(kvm)) {
		edu_err("close /dev/kvm: %s", strerror(errno));
		return -1;
	}
	fd = ioctl(*vmfd, KVM_CREATE_GUEST_MEMFD, &args);
	if (fd < 0)
		edu_err("KVM_CREATE_GUEST_MEMFD(size %llu, MMAP|INIT_SHARED): %s",
			(unsigned long long)size, strerror(errno));
	return fd;
}

/* A software-protected VM whose private guest_memfd backs memslot 0 */
struct swp_vm {
	int vmfd;		/* -1 until created */
	int gmem_fd;		/* -1 until created */
	void *slot_mem;		/* the memslot's userspace_addr, or MAP_FAILED */
	__u64 size;
};

#define SWP_VM_INIT { .vmfd = -1, .gmem_fd = -1, .slot_mem = MAP_FAILED }

/*
 * Create in @v (SWP_VM_INIT) a KVM_X86_SW_PROTECTED_VM with a private
 * guest_memfd of @size bound to memslot 0 at @gpa.  Returns 0, 1 if KVM has
 * no software-protected VMs, or -1; swp_vm_destroy() releases what was
 * created, also after a failure.
 */
static inline int swp_vm_create(struct swp_vm *v, __u64 size, __u64 gpa)
{
	struct kvm_create_guest_memfd args = { .size = size };
	struct kvm_userspace_memory_region2 region = {
		.slot = 0,
		.flags = KVM_MEM_GUEST_MEMFD,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.guest_memfd_offset = 0,
	};
	int kvm, types;
	void *map;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		edu_err("open /dev/kvm: %s", strerror(errno));
		return -1;
	}
	types = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
	if (types < 0) {
		edu_err("KVM_CHECK_EXTENSION(KVM_CAP_VM_TYPES): %s",
			strerror(errno));
		close(kvm);
		return -1;
	}
	if (!(types & (1 << KVM_X86_SW_PROTECTED_VM))) {
		edu_err("KVM VM types 0x%x", types);
		close(kvm);
		return 1;
	}
	v->vmfd = ioctl(kvm, KVM_CREATE_VM, KVM_X86_SW_PROTECTED_VM);
	if (v->vmfd < 0) {
		edu_err("KVM_CREATE_VM(KVM_X86_SW_PROTECTED_VM): %s",
			strerror(errno));
		close(kvm);
		return -1;
	}
	if (close(kvm)) {
		edu_err("close /dev/kvm: %s", strerror(errno));
		return -1;
	}
	v->gmem_fd = ioctl(v->vmfd, KVM_CREATE_GUEST_MEMFD, &args);
	if (v->gmem_fd < 0) {
		edu_err("KVM_CREATE_GUEST_MEMFD(size %llu, flags 0): %s",
			(unsigned long long)size, strerror(errno));
		return -1;
	}
	map = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		edu_err("mmap %llu anonymous bytes: %s",
			(unsigned long long)size, strerror(errno));
		return -1;
	}
	v->slot_mem = map;
	v->size = size;
	region.userspace_addr = (uintptr_t)map;
	region.guest_memfd = v->gmem_fd;
	if (ioctl(v->vmfd, KVM_SET_USER_MEMORY_REGION2, &region)) {
		edu_err("KVM_SET_USER_MEMORY_REGION2(slot 0, GPA 0x%llx, guest_memfd): %s",
			(unsigned long long)gpa, strerror(errno));
		return -1;
	}
	return 0;
}

static inline int swp_vm_destroy(struct swp_vm *v)
{
	int ret = 0;

	if (v->gmem_fd >= 0 && close(v->gmem_fd)) {
		edu_err("close private guest_memfd: %s", strerror(errno));
		ret = -1;
	}
	if (v->slot_mem != MAP_FAILED && munmap(v->slot_mem, v->size)) {
		edu_err("munmap memslot memory: %s", strerror(errno));
		ret = -1;
	}
	if (v->vmfd >= 0 && close(v->vmfd)) {
		edu_err("close software-protected VM: %s", strerror(errno));
		ret = -1;
	}
	return ret;
}

/* Map [start, start + length) of @fd at @iova, writable unless @read_only */
static inline int ioas_map_file_prot(struct edu *e, int fd, __u64 start,
				     __u64 length, __u64 iova, bool read_only)
{
	struct iommu_ioas_map_file map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 (read_only ? 0 : IOMMU_IOAS_MAP_WRITEABLE),
		.ioas_id = e->ioas_id,
		.fd = fd,
		.start = start,
		.length = length,
		.iova = iova,
	};

	if (ioctl(e->iommufd, IOMMU_IOAS_MAP_FILE, &map)) {
		edu_err("IOMMU_IOAS_MAP_FILE(fd %d, start 0x%llx, length 0x%llx, IOVA 0x%llx): %s",
			fd, (unsigned long long)start,
			(unsigned long long)length, (unsigned long long)iova,
			strerror(errno));
		return -1;
	}
	return 0;
}

static inline int ioas_map_file(struct edu *e, int fd, __u64 start,
				__u64 length, __u64 iova)
{
	return ioas_map_file_prot(e, fd, start, length, iova, false);
}

static inline int ioas_unmap(struct edu *e, __u64 iova, __u64 length)
{
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.ioas_id = e->ioas_id,
		.iova = iova,
		.length = length,
	};

	if (ioctl(e->iommufd, IOMMU_IOAS_UNMAP, &unmap)) {
		edu_err("IOMMU_IOAS_UNMAP(IOVA 0x%llx, length 0x%llx): %s",
			(unsigned long long)iova, (unsigned long long)length,
			strerror(errno));
		return -1;
	}
	if (unmap.length != length) {
		edu_err("IOMMU_IOAS_UNMAP(IOVA 0x%llx, length 0x%llx) unmapped 0x%llx bytes",
			(unsigned long long)iova, (unsigned long long)length,
			(unsigned long long)unmap.length);
		return -1;
	}
	return 0;
}

/* Open /dev/kmsg positioned after the last record. */
static inline int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		edu_err("open /dev/kmsg: %s", strerror(errno));
		return -1;
	}
	if (lseek(fd, 0, SEEK_END) < 0) {
		edu_err("seek to the end of /dev/kmsg: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Write a record with the text @mark into the kernel log, and return 0.  The
 * record's timestamp is taken by the same clock as those of the DMAR faults.
 */
static inline int kmsg_write_mark(const char *mark)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	char rec[256];
	ssize_t n;
	int len;

	if (fd < 0) {
		edu_err("open /dev/kmsg for writing: %s", strerror(errno));
		return -1;
	}
	len = snprintf(rec, sizeof(rec), "%s\n", mark);
	n = write(fd, rec, len);
	if (n != len)
		edu_err("write /dev/kmsg: %s", n < 0 ? strerror(errno) :
							"short write");
	close(fd);
	return n == len ? 0 : -1;
}

/*
 * Read the next record from @fd into @rec, waiting for one for at most
 * KMSG_POLLS polls.  Returns the message (NUL-terminated at its first line
 * end) and its timestamp in *@usec, or NULL.
 */
static inline char *kmsg_read_record(int fd, char *rec, size_t size,
				     unsigned long long *usec, int *polls)
{
	unsigned long long seq;
	unsigned int prio;
	char *msg;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, size - 1);
		if (n < 0) {
			/* EPIPE: records were overwritten, go on. */
			if (errno == EPIPE)
				continue;
			if (errno != EAGAIN) {
				edu_err("read /dev/kmsg: %s", strerror(errno));
				return NULL;
			}
			if (++*polls > KMSG_POLLS)
				return NULL;
			usleep(KMSG_POLL_US);
			continue;
		}
		rec[n] = '\0';
		msg = strchr(rec, ';');
		if (!msg || sscanf(rec, "%u,%llu,%llu", &prio, &seq, usec) != 3)
			continue;
		msg++;
		msg[strcspn(msg, "\n")] = '\0';
		return msg;
	}
}

/*
 * Wait for a DMAR fault of device @bdf at @iova (page aligned) among the
 * kernel log records read from @fd after the record @mark, timestamped no
 * earlier than it, and copy its text into @line.
 */
static inline int kmsg_find_dmar_fault(int fd, const char *mark,
				       const char *bdf, bool write,
				       __u64 iova, char *line, size_t size)
{
	const char *type = write ? "DMA Write" : "DMA Read";
	/* A read of /dev/kmsg returns one record, of up to 8 KiB. */
	char rec[8192], dev[NAME_MAX + 32], addr[64];
	unsigned long long usec, mark_usec = 0;
	bool marked = false;
	int polls = 0;
	char *msg;

	snprintf(dev, sizeof(dev), "Request device [%s]", bdf);
	snprintf(addr, sizeof(addr), "fault addr 0x%llx ",
		 (unsigned long long)iova);
	while ((msg = kmsg_read_record(fd, rec, sizeof(rec), &usec, &polls))) {
		if (!marked) {
			marked = !strcmp(msg, mark);
			mark_usec = usec;
			continue;
		}
		if (strstr(msg, "DMAR:") && strstr(msg, type) &&
		    strstr(msg, dev) && strstr(msg, addr)) {
			if (usec < mark_usec) {
				edu_err("the DMAR fault at 0x%llx is timestamped %llu us, before the DMA (%llu us)",
					(unsigned long long)iova, usec,
					mark_usec);
				return -1;
			}
			snprintf(line, size, "%s", msg);
			return 0;
		}
	}
	if (polls > KMSG_POLLS)
		edu_err("no DMAR %s fault of %s at 0x%llx in the kernel log after %s within %d polls",
			type, bdf, (unsigned long long)iova,
			marked ? "the DMA" : "(not even the mark of) the DMA",
			KMSG_POLLS);
	return -1;
}

/*
 * Let @edu DMA @len bytes to (@write) or from page-aligned @iova, which the
 * IOMMU must block, and wait for the DMAR fault of that access in the kernel
 * log read from @kmsg_fd, logged after the DMA started; copy the fault's text
 * into @line.
 */
static inline int edu_dma_expect_fault(struct edu *edu, int kmsg_fd,
				       __u64 iova, size_t len, bool write,
				       char *line, size_t size)
{
	static unsigned int nr_marks;
	char mark[128];
	int ret;

	if (lseek(kmsg_fd, 0, SEEK_END) < 0) {
		edu_err("seek to the end of /dev/kmsg: %s", strerror(errno));
		return -1;
	}
	snprintf(mark, sizeof(mark), "edu: DMA %u %s IOVA 0x%llx, expecting a fault",
		 ++nr_marks, write ? "to" : "from", (unsigned long long)iova);
	if (kmsg_write_mark(mark))
		return -1;
	if (write)
		ret = edu_dma(edu, EDU_BUF_ADDR, iova, len, true);
	else
		ret = edu_dma(edu, iova, EDU_BUF_ADDR, len, false);
	if (ret)
		return -1;
	return kmsg_find_dmar_fault(kmsg_fd, mark, edu->bdf, write, iova, line,
				    size);
}

#endif /* EDU_H */
