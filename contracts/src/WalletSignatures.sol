// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Signature helpers shared by the sandbox smart wallets: one 65-byte r ‖ s ‖ v signature each.
abstract contract WalletSignatures {
    function _split(bytes memory signature) internal pure returns (bytes32 r, bytes32 s, uint8 v) {
        require(signature.length >= 65, "WalletSignatures: short signature");
        assembly {
            r := mload(add(signature, 0x20))
            s := mload(add(signature, 0x40))
            v := byte(0, mload(add(signature, 0x60)))
        }
    }

    /// The signer of `digest` (v 27/28); address(0) when the signature does not recover.
    function _recover(bytes32 digest, bytes memory signature) internal pure returns (address) {
        (bytes32 r, bytes32 s, uint8 v) = _split(signature);
        return ecrecover(digest, v, r, s);
    }

    /// What eth_sign / personal_sign actually signs for a 32-byte message.
    function _ethSignedHash(bytes32 hash) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", hash));
    }

    /// Bubble the callee's revert data, so the caller sees the inner reason.
    function _bubble(bytes memory returndata, string memory fallbackReason) internal pure {
        if (returndata.length == 0) revert(fallbackReason);
        assembly {
            revert(add(returndata, 0x20), mload(returndata))
        }
    }
}
