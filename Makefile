# The two commands (see README.md). Both install what they need (as root).
.PHONY: all demo test build clean deb

all: build

build:
	scripts/install-deps.sh
	{ [ -f build/build.ninja ] || meson setup build; } && ninja -C build

demo: build
	scripts/demo.sh $(if $(KEEP),--keep)

test:
	scripts/test.sh

# Debian packages (lanparty-relay, -gateway, -client and the source
# package) from the tracked files, built in build-deb/ (not in ..).
deb:
	scripts/install-deps.sh --deb
	rm -rf build-deb && mkdir -p build-deb/src
	git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C build-deb/src
	cd build-deb/src && dpkg-buildpackage -us -uc
	@ls build-deb/*.deb

clean:
	rm -rf build build-asan build-fuzz build-win build-logs build-deb
