# The two commands (see README.md). Both install what they need (as root).
.PHONY: all demo test build clean

all: build

build:
	scripts/install-deps.sh
	{ [ -f build/build.ninja ] || meson setup build; } && ninja -C build

demo: build
	scripts/demo.sh $(if $(KEEP),--keep)

test:
	scripts/test.sh

clean:
	rm -rf build build-asan build-fuzz build-win build-logs
