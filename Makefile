# The two commands a user needs: `make run` and `make test`.
BUILD ?= build
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: all build run test setup clean bench

all: build

setup:
	bash scripts/setup

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: $(BUILD)/build.ninja
	cmake --build $(BUILD)

run: build
	./$(BUILD)/isolab

test: setup
	$(MAKE) build
	ctest --test-dir $(BUILD) --output-on-failure -j2

bench: build
	./$(BUILD)/isolab bench

clean:
	rm -rf $(BUILD)
