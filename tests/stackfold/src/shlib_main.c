// Calls into a linked shared library and a dlopen'ed plugin (argv[1]); the plugin stays loaded
// so that the final dump's maps still list it.
#include <dlfcn.h>
#include <stdio.h>

void shared_alloc(void);

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  shared_alloc();
  void* plugin = dlopen(argv[1], RTLD_NOW);
  if (plugin == NULL) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  void (*plugin_alloc)(void) = (void (*)(void))dlsym(plugin, "plugin_alloc");
  if (plugin_alloc == NULL) return 1;
  plugin_alloc();
  return 0;
}
