#include "vidrep/apps/export_run.h"

#include "vidrep/apps/export.h"
#include "vidrep/data/dataset.h"
#include "vidrep/train/run_network.h"

namespace vidrep {

void export_run(const std::string& run_dir, const std::string& out_dir, const std::string& checkpoint) {
  const RunInfo run = load_run_info(run_dir);
  if (run.config.task == Task::Autoencode) {
    Autoencoder ae = load_run_autoencoder(run, checkpoint);
    export_autoencoder(ae, out_dir);
    return;
  }
  VideoNet net = load_run_network(run, checkpoint).net;
  export_network(net, out_dir);
  write_classes_file(out_dir, run.classes);
}

}  // namespace vidrep
