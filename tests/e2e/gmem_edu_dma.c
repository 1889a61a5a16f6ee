// SPDX-License-Identifier: GPL-2.0
/*
 * A real device DMAs into guest_memfd mapped with IOMMU_IOAS_MAP_FILE, and
 * the IOMMU blocks it at each page that guest_memfd has taken away.
 *
 * QEMU's edu device is bound to vfio-pci and attached to an iommufd IOAS; a
 * shared guest_memfd of 16 pages is mapped at IOVA 0x100000.  edu copies
 * page 0 into its buffer and its buffer into page 1.  After a hole is punched
 * in page 1, its DMA to page 1 must fault, and its DMA from page 0 to page 4
 * must still work; once page 1 is faulted in again through mmap(), a DMA to
 * it must land in the new page; after the guest_memfd file is released, its
 * DMA, a write
 * and a read, must fault (the intel-iommu driver logs "DMAR: [DMA Write ...]
 * ... fault addr ...", after the record that the test logs before the DMA).
 * Each expected fault is at an IOVA that no earlier check used, so that a
 * late fault record of an earlier check cannot be taken for it.
 *
 * Then a private guest_memfd of 16 pages of a software-protected VM, bound to
 * memslot 0 at GPA 0x100000, is mapped at IOVA 0x200000.  It cannot be
 * mmapped, so a pattern goes through the device: from a shared staging
 * guest_memfd (mapped at IOVA 0x300000) into edu's buffer, from there into
 * private page 2, and back from private page 2 into the staging pages once
 * edu's buffer has been cleared.  Converting the gfn of private page 2 to
 * private (KVM_SET_MEMORY_ATTRIBUTES) unmaps that page while the conversion
 * runs and maps it again once it ends, as software-protected VMs let
 * importers map private memory: the pattern must come back from it, and a
 * round trip through private page 0 must still work.
 * Last, the staging guest_memfd is mapped read-only at IOVA 0x400000: edu
 * reads the pattern through it, and its write there faults.
 * Prints KTAP; exits 0 only if every test passed.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "edu.h"

#define KSFT_SKIP	4
#define PAGE_SIZE	4096
#define GMEM_PAGES	16
#define GMEM_SIZE	(GMEM_PAGES * PAGE_SIZE)
#define IOVA		0x100000ULL
#define DMA_LEN		2048
#define NR_TESTS	12
#define PRIV_GPA	0x100000ULL
#define PRIV_IOVA	0x200000ULL
#define PRIV_PAGE	2		/* the private page DMAs go through */
#define STAGE_PAGES	3
#define STAGE_SIZE	(STAGE_PAGES * PAGE_SIZE)
#define STAGE_IOVA	0x300000ULL
#define STAGE_RO_IOVA	0x400000ULL	/* the staging pages, read-only */
#define STAGE_PATTERN	0		/* staging pages: the pattern, */
#define STAGE_ZERO	1		/* zeroes, */
#define STAGE_RESULT	2		/* and what comes back */
#define DMAR_RATELIMIT_S 5		/* rate limit interval of DMAR messages */

static struct edu edu;
static int gmem_fd, kmsg_fd;
static unsigned char *gmem;
static int test_nr, failed;
static bool area_mapped;		/* an area is mapped at IOVA */
static struct swp_vm priv = SWP_VM_INIT;
static int stage_vmfd = -1, stage_fd = -1;
static unsigned char *stage;
/* areas at PRIV_IOVA, STAGE_IOVA, STAGE_RO_IOVA */
static bool priv_mapped, stage_mapped, stage_ro_mapped;

static bool ktap_result(bool ok, const char *name)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++test_nr, name);
	if (!ok)
		failed++;
	return ok;
}

static void ktap_skip(const char *name, const char *why)
{
	printf("ok %d %s # SKIP %s\n", ++test_nr, name, why);
}

static void ktap_bail_out(const char *why)
{
	printf("Bail out! %s\n", why);
	exit(1);
}

static void fill_pattern(unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (i * 7 + seed) & 0xff;
}

static bool has_pattern(const unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] != ((i * 7 + seed) & 0xff)) {
			printf("# byte %zu is 0x%02x, expected 0x%02x\n", i,
			       p[i], (unsigned int)((i * 7 + seed) & 0xff));
			return false;
		}
	}
	return true;
}

static bool is_zero(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i]) {
			printf("# byte %zu is 0x%02x, expected 0\n", i, p[i]);
			return false;
		}
	}
	return true;
}

static unsigned char *gmem_page(int page)
{
	return gmem + page * PAGE_SIZE;
}

static __u64 page_iova(int page)
{
	return IOVA + page * PAGE_SIZE;
}

static unsigned char *stage_page(int page)
{
	return stage + page * PAGE_SIZE;
}

static __u64 stage_iova(int page)
{
	return STAGE_IOVA + page * PAGE_SIZE;
}

static __u64 priv_iova(int page)
{
	return PRIV_IOVA + page * PAGE_SIZE;
}

/* edu copies DMA_LEN bytes from IOVA @from to IOVA @to. */
static int dma_copy_iova(__u64 from, __u64 to)
{
	if (edu_dma(&edu, from, EDU_BUF_ADDR, DMA_LEN, false))
		return -1;
	return edu_dma(&edu, EDU_BUF_ADDR, to, DMA_LEN, true);
}

/* edu copies DMA_LEN bytes from gmem page @from to gmem page @to. */
static int dma_copy(int from, int to)
{
	return dma_copy_iova(page_iova(from), page_iova(to));
}

/*
 * Write pattern @seed into gmem page 0, let edu copy it to page @to, and
 * require it there.
 */
static bool dma_copy_pattern(int to, unsigned int seed)
{
	fill_pattern(gmem_page(0), DMA_LEN, seed);
	if (dma_copy(0, to))
		return false;
	if (!has_pattern(gmem_page(to), DMA_LEN, seed)) {
		printf("# page %d does not hold the pattern written to page 0\n",
		       to);
		return false;
	}
	return true;
}

/*
 * Let edu DMA to (@write) or from page-aligned @iova and require the DMAR
 * fault of that access in the kernel log.
 */
static bool dma_faults(__u64 iova, bool write)
{
	char line[512];

	if (edu_dma_expect_fault(&edu, kmsg_fd, iova, DMA_LEN, write, line,
				 sizeof(line)))
		return false;
	printf("# kmsg: %s\n", line);
	return true;
}

static bool test_map(void)
{
	area_mapped = !ioas_map_file(&edu, gmem_fd, 0, GMEM_SIZE, IOVA);
	return area_mapped;
}

/* edu copies page 0 to page 1 through its buffer. */
static bool test_dma(void)
{
	bool zero_before, copied, dma_ok, rest_zero;

	zero_before = is_zero(gmem_page(1), PAGE_SIZE);
	if (!zero_before)
		printf("# page 1 is not zero before the DMA\n");
	fill_pattern(gmem_page(0), DMA_LEN, 1);
	dma_ok = !dma_copy(0, 1);
	copied = has_pattern(gmem_page(1), DMA_LEN, 1);
	rest_zero = is_zero(gmem_page(1) + DMA_LEN, PAGE_SIZE - DMA_LEN);
	if (dma_ok && !copied)
		printf("# page 1 does not hold the pattern written to page 0\n");
	if (!rest_zero)
		printf("# the DMA wrote beyond %d bytes into page 1\n",
		       DMA_LEN);
	/* The pattern in page 1 can only have come from reading page 0. */
	ktap_result(dma_ok && copied, "dma_from_gmem");
	return ktap_result(dma_ok && copied && zero_before && rest_zero,
			   "dma_to_gmem");
}

/* The hole unmaps page 1: a DMA write to it must fault. */
static bool test_fault_after_punch_hole(bool mapped)
{
	if (!mapped) {
		printf("# no working mapping to punch\n");
		return false;
	}
	if (fallocate(gmem_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      PAGE_SIZE, PAGE_SIZE)) {
		printf("# fallocate(PUNCH_HOLE, offset 0x%x, 0x%x bytes): %s\n",
		       PAGE_SIZE, PAGE_SIZE, strerror(errno));
		return false;
	}
	return dma_faults(page_iova(1), true);
}

/* The rest of the area stays mapped: edu copies page 0 to page 4. */
static bool test_dma_after_punch_hole(bool punched)
{
	if (!punched) {
		printf("# no punched mapping\n");
		return false;
	}
	return dma_copy_pattern(4, 5);
}

/*
 * Faulting page 1 in again through mmap() maps the new, zeroed page at its
 * IOVA: edu's copy of page 0 lands there, visible through mmap().
 */
static bool test_dma_after_fault_back(bool punched)
{
	if (!punched) {
		printf("# no punched mapping\n");
		return false;
	}
	if (!is_zero(gmem_page(1), PAGE_SIZE)) {
		printf("# page 1 is not zero after the hole punch\n");
		return false;
	}
	return dma_copy_pattern(1, 7);
}

static bool test_unmap_after_punch_hole(void)
{
	if (ioas_unmap(&edu, IOVA, GMEM_SIZE))
		return false;
	area_mapped = false;
	return true;
}

/* A fresh mapping at the same IOVA works again. */
static bool test_remap(void)
{
	if (area_mapped) {
		printf("# the punched area is still mapped\n");
		return false;
	}
	if (ioas_map_file(&edu, gmem_fd, 0, GMEM_SIZE, IOVA))
		return false;
	area_mapped = true;
	return dma_copy_pattern(1, 2);
}

/*
 * Closing the last reference to the guest_memfd file revokes the area: pages
 * 2 and 3, which no earlier check faulted on, must fault.
 */
static bool test_fault_after_release(bool mapped)
{
	bool ok;

	if (!mapped) {
		printf("# no working mapping to revoke\n");
		return false;
	}
	/*
	 * At most 3 DMAR faults fit in the rate limit of the fault handler
	 * (a burst of 10 messages per interval; each fault takes 2, and more
	 * at times): let the punch-hole test's faults leave the window.
	 */
	sleep(DMAR_RATELIMIT_S);
	if (munmap(gmem, GMEM_SIZE)) {
		printf("# munmap guest_memfd: %s\n", strerror(errno));
		return false;
	}
	gmem = NULL;
	ok = !close(gmem_fd);
	if (!ok)
		printf("# close guest_memfd: %s\n", strerror(errno));
	gmem_fd = -1;
	return ok && dma_faults(page_iova(2), true) &&
	       dma_faults(page_iova(3), false);
}

/*
 * Create a software-protected VM with a private guest_memfd of GMEM_SIZE
 * bound to memslot 0 at PRIV_GPA, and a shared staging guest_memfd mapped at
 * STAGE_IOVA.  Returns 0, KSFT_SKIP without software-protected VMs, or -1.
 */
static int private_setup(void)
{
	void *map;
	int ret;

	ret = swp_vm_create(&priv, GMEM_SIZE, PRIV_GPA);
	if (ret)
		return ret > 0 ? KSFT_SKIP : -1;

	stage_fd = gmem_create(STAGE_SIZE, &stage_vmfd);
	if (stage_fd < 0)
		return -1;
	map = mmap(NULL, STAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   stage_fd, 0);
	if (map == MAP_FAILED) {
		printf("# mmap staging guest_memfd: %s\n", strerror(errno));
		return -1;
	}
	stage = map;
	if (ioas_map_file(&edu, stage_fd, 0, STAGE_SIZE, STAGE_IOVA))
		return -1;
	stage_mapped = true;
	return 0;
}

/*
 * Map the private guest_memfd and carry a pattern from the staging pages
 * through private page PRIV_PAGE and back, clearing edu's buffer in between
 * so that only the private page can bring the pattern back.
 */
static bool test_private_dma_roundtrip(bool set_up)
{
	if (!set_up) {
		printf("# no private guest_memfd\n");
		return false;
	}
	if (ioas_map_file(&edu, priv.gmem_fd, 0, GMEM_SIZE, PRIV_IOVA))
		return false;
	priv_mapped = true;
	fill_pattern(stage_page(STAGE_PATTERN), DMA_LEN, 3);
	if (dma_copy_iova(stage_iova(STAGE_PATTERN), priv_iova(PRIV_PAGE)))
		return false;
	if (dma_copy_iova(stage_iova(STAGE_ZERO), stage_iova(STAGE_RESULT)))
		return false;
	if (!is_zero(stage_page(STAGE_RESULT), DMA_LEN)) {
		printf("# edu's buffer was not cleared\n");
		return false;
	}
	if (dma_copy_iova(priv_iova(PRIV_PAGE), stage_iova(STAGE_RESULT)))
		return false;
	if (!has_pattern(stage_page(STAGE_RESULT), DMA_LEN, 3)) {
		printf("# the pattern did not come back from private page %d\n",
		       PRIV_PAGE);
		return false;
	}
	return true;
}

/*
 * Converting the gfn of private page PRIV_PAGE to private unmaps that page
 * while the conversion runs, and maps the same page again once it ends: the
 * pattern that the round trip left there comes back from it, and a round
 * trip through private page 0 still works.
 */
static bool test_dma_after_conversion(bool mapped)
{
	struct kvm_memory_attributes attrs = {
		.address = PRIV_GPA + PRIV_PAGE * PAGE_SIZE,
		.size = PAGE_SIZE,
		.attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE,
		.flags = 0,
	};

	if (!mapped) {
		printf("# no working mapping to convert\n");
		return false;
	}
	if (ioctl(priv.vmfd, KVM_SET_MEMORY_ATTRIBUTES, &attrs)) {
		printf("# KVM_SET_MEMORY_ATTRIBUTES(GPA 0x%llx, PRIVATE): %s\n",
		       (unsigned long long)attrs.address, strerror(errno));
		return false;
	}
	memset(stage_page(STAGE_RESULT), 0, DMA_LEN);
	if (dma_copy_iova(stage_iova(STAGE_ZERO), stage_iova(STAGE_RESULT)) ||
	    dma_copy_iova(priv_iova(PRIV_PAGE), stage_iova(STAGE_RESULT)))
		return false;
	if (!has_pattern(stage_page(STAGE_RESULT), DMA_LEN, 3)) {
		printf("# the pattern did not come back from converted private page %d\n",
		       PRIV_PAGE);
		return false;
	}
	fill_pattern(stage_page(STAGE_PATTERN), DMA_LEN, 6);
	memset(stage_page(STAGE_RESULT), 0, DMA_LEN);
	if (dma_copy_iova(stage_iova(STAGE_PATTERN), priv_iova(0)) ||
	    dma_copy_iova(stage_iova(STAGE_ZERO), stage_iova(STAGE_RESULT)) ||
	    dma_copy_iova(priv_iova(0), stage_iova(STAGE_RESULT)))
		return false;
	if (!has_pattern(stage_page(STAGE_RESULT), DMA_LEN, 6)) {
		printf("# the pattern did not come back from private page 0\n");
		return false;
	}
	return true;
}

/*
 * Map the staging pages read-only: edu reads the pattern through the
 * read-only IOVA into a writable staging page, and its write to the
 * read-only IOVA faults, as the IOPTE has no write permission.
 */
static bool test_read_only_map(bool set_up)
{
	__u64 ro_pattern = STAGE_RO_IOVA + STAGE_PATTERN * PAGE_SIZE;
	__u64 ro_zero = STAGE_RO_IOVA + STAGE_ZERO * PAGE_SIZE;

	if (!set_up) {
		printf("# no staging guest_memfd\n");
		return false;
	}
	if (ioas_map_file_prot(&edu, stage_fd, 0, STAGE_SIZE, STAGE_RO_IOVA,
			       true))
		return false;
	stage_ro_mapped = true;
	fill_pattern(stage_page(STAGE_PATTERN), DMA_LEN, 4);
	memset(stage_page(STAGE_RESULT), 0, DMA_LEN);
	if (dma_copy_iova(ro_pattern, stage_iova(STAGE_RESULT)))
		return false;
	if (!has_pattern(stage_page(STAGE_RESULT), DMA_LEN, 4)) {
		printf("# the pattern did not come through the read-only map\n");
		return false;
	}
	if (!dma_faults(ro_zero, true))
		return false;
	if (!is_zero(stage_page(STAGE_ZERO), DMA_LEN)) {
		printf("# the write through the read-only map landed\n");
		return false;
	}
	return true;
}

/* Undo what private_setup() and the private tests set up. */
static bool private_cleanup(void)
{
	bool ok = true;

	/* The area with a hole can be unmapped like any other. */
	if (priv_mapped && ioas_unmap(&edu, PRIV_IOVA, GMEM_SIZE))
		ok = false;
	if (stage_mapped && ioas_unmap(&edu, STAGE_IOVA, STAGE_SIZE))
		ok = false;
	if (stage_ro_mapped && ioas_unmap(&edu, STAGE_RO_IOVA, STAGE_SIZE))
		ok = false;
	if (stage && munmap(stage, STAGE_SIZE)) {
		printf("# munmap staging guest_memfd: %s\n", strerror(errno));
		ok = false;
	}
	if (stage_fd >= 0 && close(stage_fd)) {
		printf("# close staging guest_memfd: %s\n", strerror(errno));
		ok = false;
	}
	if (stage_vmfd >= 0 && close(stage_vmfd)) {
		printf("# close staging VM: %s\n", strerror(errno));
		ok = false;
	}
	if (swp_vm_destroy(&priv))
		ok = false;
	return ok;
}

int main(void)
{
	bool dma_works, punched, remapped, roundtrip, cleanup_ok = true;
	int found, vmfd, priv;
	void *map;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	found = edu_find(edu.bdf, sizeof(edu.bdf));
	if (found < 0)
		ktap_bail_out("cannot list PCI devices");
	if (!found) {
		printf("1..0 # SKIP no edu device (%04x:%04x)\n", EDU_VENDOR,
		       EDU_DEVICE);
		return KSFT_SKIP;
	}
	printf("1..%d\n", NR_TESTS);
	if (edu_bind_vfio(&edu) || edu_open(&edu))
		ktap_bail_out("cannot set up edu with vfio and iommufd");
	printf("# edu %s: %s, IOAS %u\n", edu.bdf, edu.cdev, edu.ioas_id);
	kmsg_fd = kmsg_open();
	if (kmsg_fd < 0)
		ktap_bail_out("cannot read the kernel log");
	gmem_fd = gmem_create(GMEM_SIZE, &vmfd);
	if (gmem_fd < 0)
		ktap_bail_out("cannot create a shared guest_memfd");
	map = mmap(NULL, GMEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   gmem_fd, 0);
	if (map == MAP_FAILED) {
		printf("# mmap guest_memfd: %s\n", strerror(errno));
		ktap_bail_out("cannot mmap the guest_memfd");
	}
	gmem = map;

	ktap_result(test_map(), "map");
	dma_works = test_dma();
	punched = ktap_result(test_fault_after_punch_hole(dma_works),
			      "fault_after_punch_hole");
	ktap_result(test_dma_after_punch_hole(punched), "dma_after_punch_hole");
	ktap_result(test_dma_after_fault_back(punched), "dma_after_fault_back");
	ktap_result(test_unmap_after_punch_hole(), "unmap_after_punch_hole");
	remapped = ktap_result(test_remap(), "remap");
	ktap_result(test_fault_after_release(remapped), "fault_after_release");

	priv = private_setup();
	if (priv == KSFT_SKIP) {
		ktap_skip("private_dma_roundtrip", "no software-protected VMs");
		ktap_skip("dma_after_conversion", "no software-protected VMs");
		ktap_skip("read_only_map", "no software-protected VMs");
	} else {
		roundtrip = ktap_result(test_private_dma_roundtrip(!priv),
					"private_dma_roundtrip");
		ktap_result(test_dma_after_conversion(roundtrip),
			    "dma_after_conversion");
		ktap_result(test_read_only_map(!priv), "read_only_map");
	}

	if (gmem && munmap(gmem, GMEM_SIZE)) {
		printf("# munmap guest_memfd: %s\n", strerror(errno));
		cleanup_ok = false;
	}
	if (gmem_fd >= 0 && close(gmem_fd)) {
		printf("# close guest_memfd: %s\n", strerror(errno));
		cleanup_ok = false;
	}
	/* Unmapping the area of a released guest_memfd succeeds too. */
	if (area_mapped && ioas_unmap(&edu, IOVA, GMEM_SIZE))
		cleanup_ok = false;
	if (close(vmfd)) {
		printf("# close VM: %s\n", strerror(errno));
		cleanup_ok = false;
	}
	if (!private_cleanup())
		cleanup_ok = false;
	if (close(kmsg_fd)) {
		printf("# close /dev/kmsg: %s\n", strerror(errno));
		cleanup_ok = false;
	}
	if (edu_close(&edu))
		cleanup_ok = false;
	if (!cleanup_ok)
		printf("# cleanup failed\n");
	printf("# %d of %d tests failed\n", failed, NR_TESTS);
	return failed || !cleanup_ok ? 1 : 0;
}
