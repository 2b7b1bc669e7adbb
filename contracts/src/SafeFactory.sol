// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./SafeWallet.sol";

/// Deploys one SafeWallet per owner at a CREATE2 address known before deployment, as
/// Polymarket's Safe factory does (salt keccak256(abi.encode(owner))).
contract SafeFactory {
    event SafeCreated(address owner, address safe);

    function createSafe(address owner) external returns (address safe) {
        safe = safeFor(owner);
        if (safe.code.length > 0) return safe;
        SafeWallet created = new SafeWallet{salt: _salt(owner)}(owner);
        require(address(created) == safe, "SafeFactory: address mismatch");
        emit SafeCreated(owner, safe);
    }

    function safeFor(address owner) public view returns (address) {
        bytes32 initCode = keccak256(abi.encodePacked(type(SafeWallet).creationCode, abi.encode(owner)));
        bytes32 hash = keccak256(abi.encodePacked(bytes1(0xff), address(this), _salt(owner), initCode));
        return address(uint160(uint256(hash)));
    }

    function _salt(address owner) private pure returns (bytes32) {
        return keccak256(abi.encode(owner));
    }
}
