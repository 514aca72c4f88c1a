// The flags of a selection of meters (wallet.v1.Selection), shared by the
// defaulter list (`defaulters`) and collection drives (`drive create`): place,
// categories, billing mode, dues, unpaid bills and prepaid balance. Every
// flag given narrows the selection.
#ifndef WALLETCTL_SELECTION_FLAGS_H_
#define WALLETCTL_SELECTION_FLAGS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "wallet/v1/collection.pb.h"
#include "walletctl/args.h"
#include "walletctl/command.h"

namespace walletctl {

// SelectionFlags are the selection's flags, each optional.
std::vector<FlagUse> SelectionFlags();

// HasSelection tells whether any selection flag was given.
bool HasSelection(const Args& args);

// SelectionOf reads the selection flags; a usage error for a category or
// balance that does not parse.
absl::StatusOr<wallet::v1::Selection> SelectionOf(const Args& args);

}  // namespace walletctl

#endif  // WALLETCTL_SELECTION_FLAGS_H_
